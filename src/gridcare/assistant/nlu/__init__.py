"""The assistant's language understanding: framework-free (no Django), so it trains and is
evaluated from a notebook or the CLI without a database.

`Understanding` is what the dialogue manager gets for one message: the intent with its
confidence, the runners-up, the entities and whether the customer sounds upset."""

from gridcare.assistant.nlu.intents import INTENTS
from gridcare.assistant.nlu.types import Entities, Example, Understanding

__all__ = ["INTENTS", "Entities", "Example", "Understanding"]
