"""The dialogue policy: what the assistant answers to one message, given the conversation's
state. Pure decisions plus the actions' reads and the order it files; the session, the
turns and the handoff itself are `dialogue.py`'s.

Rules, in order:

1. An empty message gets a prompt (nothing is counted against the customer).
2. Anger → a person (handoff `anger`).
3. While the bot waits for an answer (`state["pending"]`: an intent, the slot it asked
   for and the slots filled so far): "取消" (or "不", "算了" at a yes/no question) drops
   it; an answer fills the slot; a clear new intent replaces it (topic switch); anything
   else repeats the question.
4. Otherwise the intent decides (`_start`). A message understood below
   `ASSISTANT_MIN_CONFIDENCE` is tried on the knowledge base, else the bot asks what was
   meant; the second such message in a row goes to a person (`low_confidence`).
5. Personal actions need the customer's accounts: a sender not bound to a customer gets
   the binding link; a 户号 that is not one of the customer's is never looked up, and the
   reply says nothing about it but how to bind it.
6. Nothing is filed before the customer says yes to the summary; the filing's key is the
   confirming message's, so a retried "yes" files once.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from gridcare.assistant.choices import HandoffReason
from gridcare.assistant.nlu import Understanding
from gridcare.assistant.services.actions import billing, outages
from gridcare.assistant.services.actions.base import (
    KEEP,
    CapabilityMissing,
    Party,
    Step,
    bind_link,
    portal_link,
)
from gridcare.assistant.services.actions.knowledge import INFORMATIONAL, kb_reply, kb_unanswered
from gridcare.assistant.services.actions.orders import (
    ORDER_KINDS,
    order_file,
    order_summary,
    outage_note,
)
from gridcare.assistant.services.dialogue_texts import (
    ANGER,
    ASK_ADDRESS,
    CANCELLED,
    CLARIFY,
    CONFIRM_OPTIONS,
    EMPTY,
    GOODBYE,
    GREETING,
    HANDOFF,
    LOW_CONFIDENCE,
    NEED_BINDING,
    NOTHING_MORE,
    OUT_OF_SCOPE,
    WHAT_I_DO,
    ask_account,
    ask_address,
    binding,
    not_yours,
)
from gridcare.assistant.services.dialogue_words import (
    INTENT_PROMPTS,
    MENU,
    account_chosen,
    accounts_named,
    is_cancel,
    is_no,
    is_yes,
    option_intent,
    place_named,
    plain,
)
from gridcare.assistant.services.kb import unanswered_log
from gridcare.assistant.services.llm import llm_small_talk
from gridcare.core.errors import DomainError
from gridcare.customers.models import Account

ACCOUNT_ACTIONS: dict[str, Callable[..., Step]] = {
    "bill_query": billing.bill_query,
    "payment": billing.payment,
    "reconnect": billing.reconnect,
}
ACTION_LABELS = {"bill_query": "电费查询", "payment": "缴费", "reconnect": "欠费复电查询"}
#: Intents that are not a topic of their own (the handoff records the topic before them).
SMALL_TALK = frozenset({"greeting", "goodbye_thanks", "out_of_scope", "human_agent"})
#: Orders whose account is asked for when the customer has several; a suggestion or praise
#: goes with the account last used (or the first).
ORDERS_ASKING_ACCOUNT = frozenset({"fault_report", "complaint"})
#: While the customer describes a repair, these intents are part of the description.
FAULT_RELATED = frozenset({"fault_report", "outage_query", "meter_issue", "reconnect", "complaint"})
#: How sure the NLU must be to leave a description half-written for a new topic.
STRONG_SWITCH = 0.9
#: A description long enough to take from the message that started the dialogue.
DESCRIPTION_MIN = 6
SLOT_TEXT_MAX = 1000
ADDRESS_MAX = 200


@dataclass(frozen=True)
class Message:
    """One customer message as the policy sees it: the text (stripped, capped), what the
    NLU made of it (None for an empty message) and its turn key (for the order key)."""

    text: str
    understanding: Understanding | None
    key: str


class Policy:
    """Decides one answer; `state` (a copy of the session's) is updated in place."""

    def __init__(self, *, party: Party, state: dict[str, Any], message: Message) -> None:
        self.party = party
        self.state = copy.deepcopy(state)
        self.message = message
        self.min_confidence = float(settings.ASSISTANT_MIN_CONFIDENCE)
        self.missed = False

    # --- what this message is ---

    @property
    def u(self) -> Understanding:
        assert self.message.understanding is not None
        return self.message.understanding

    def accounts_named(self) -> tuple[str, ...]:
        return accounts_named(self.message.text, self.u.entities.account_numbers)

    def intent(self) -> tuple[str, float]:
        """The message's intent: a quick reply the bot offered counts as certain."""
        tapped = option_intent(self.message.text)
        return (tapped, 1.0) if tapped else (self.u.intent, self.u.confidence)

    def decide(self) -> Step:
        if not self.message.text:
            return Step(EMPTY, options=MENU, action="empty", pending=KEEP)
        if self.u.anger:
            return self._finish(self._handoff(HandoffReason.ANGER, ANGER))
        pending = self.state.get("pending")
        step = self._continue(pending) if pending else self._fresh()
        return self._finish(step)

    def _finish(self, step: Step) -> Step:
        if step.pending is not KEEP:
            if step.pending:
                self.state["pending"] = step.pending
            else:
                self.state.pop("pending", None)
        self.state["misses"] = self.state.get("misses", 0) + 1 if self.missed else 0
        if step.handoff:
            self.state["misses"] = 0
        intent, confidence = self.intent()
        if confidence >= self.min_confidence and intent not in SMALL_TALK:
            self.state["topic"] = intent
        if not step.intent:
            asked = (
                step.pending.get("intent", "") if step.pending and step.pending is not KEEP else ""
            )
            step.intent = asked or (intent if confidence >= self.min_confidence else "")
        return step

    def _second_miss(self) -> bool:
        self.missed = True
        return self.state.get("misses", 0) + 1 >= 2

    # --- a message while the bot waits for an answer ---

    def _continue(self, pending: dict[str, Any]) -> Step:
        awaiting = pending["awaiting"]
        text = self.message.text
        if awaiting in ("confirm", "offer_agent"):
            if is_yes(text):
                return self._accept(pending)
            if is_no(text) or is_cancel(text):
                return self._decline(pending)
            if awaiting == "offer_agent":
                return self._fresh()
        elif is_cancel(text):
            return Step(CANCELLED, options=MENU, action="cancel")
        new_intent = self._switch_to(pending)
        if new_intent:
            self.state.pop("pending", None)
            return self._start(new_intent)
        filled = self._fill(pending)
        if filled is not None:
            return filled
        if self._second_miss():
            return self._handoff(HandoffReason.LOW_CONFIDENCE, LOW_CONFIDENCE)
        return self._reask(pending)

    def _switch_to(self, pending: dict[str, Any]) -> str:
        """The new intent when the message clearly changes the subject, else ""."""
        intent, confidence = self.intent()
        if intent == pending["intent"] or intent == "greeting":
            return ""
        if pending["awaiting"] in ("description", "address"):
            # What the customer is describing may sound like another intent on its own.
            if intent == "human_agent" and confidence >= self.min_confidence:
                return intent
            if pending["intent"] != "fault_report" or intent in FAULT_RELATED:
                return ""
            return intent if confidence >= STRONG_SWITCH else ""
        if pending["awaiting"] == "account" and self._account_answer() is not None:
            return ""
        return intent if confidence >= self.min_confidence else ""

    def _fill(self, pending: dict[str, Any]) -> Step | None:
        slots = dict(pending.get("slots", {}))
        awaiting, intent = pending["awaiting"], pending["intent"]
        text = self.message.text
        if awaiting == "account":
            numbers = self.accounts_named()
            if numbers and not any(self.party.account(n) for n in numbers):
                return not_yours(self.party, numbers[0], intent, slots)
            account = self._account_answer()
            if account is None:
                return None
            self.state["account"] = account.number
            return self._run(intent, slots | {"account": account.number})
        if awaiting == "description" and len(plain(text)) >= 2:
            return self._run(intent, slots | {"description": text[:SLOT_TEXT_MAX]})
        if awaiting == "address":
            if is_yes(text):
                return self._run(intent, slots | {"address_done": True})
            if is_no(text):
                return Step(ASK_ADDRESS, action="ask_address", pending=KEEP)
            # The answer to "where" is the address as the customer put it (the entity may
            # stop short of "20 号门口"); a long answer gives its address entity instead.
            short = len(plain(text)) >= 4 and len(text) <= ADDRESS_MAX
            address = text if short else place_named(self.u.entities.addresses)
            if address:
                return self._run(
                    intent, slots | {"address": address[:ADDRESS_MAX], "address_done": True}
                )
        return None

    def _account_answer(self) -> Account | None:
        """The customer's own account the message names (number, tail or position)."""
        numbers = self.party.numbers
        chosen = account_chosen(self.message.text, numbers, named=self.accounts_named())
        return self.party.account(chosen) if chosen else None

    def _reask(self, pending: dict[str, Any]) -> Step:
        awaiting, intent = pending["awaiting"], pending["intent"]
        if awaiting == "account":
            slots = pending.get("slots", {})
            return ask_account(self.party, intent, slots, "请从下面选择户号，或回复“取消”。")
        if awaiting == "confirm":
            text = "请回复“确认”提交，或回复“取消”放弃。"
            return Step(text, options=CONFIRM_OPTIONS, action="reask", pending=KEEP)
        if awaiting == "address":
            return ask_address(self.party, intent, pending.get("slots", {}))
        return Step(ORDER_KINDS[intent].ask_description, action="reask", pending=KEEP)

    def _accept(self, pending: dict[str, Any]) -> Step:
        if pending["awaiting"] == "offer_agent":
            return self._handoff(HandoffReason.ASKED, HANDOFF)
        intent, slots = pending["intent"], pending.get("slots", {})
        account = self.party.account(slots.get("account", ""))
        return self._guarded(
            ORDER_KINDS[intent].label,
            lambda: order_file(
                party=self.party,
                intent=intent,
                account=account,
                slots=slots,
                source_ref=f"assistant:{self.message.key}",
            ),
        )

    def _decline(self, pending: dict[str, Any]) -> Step:
        if pending["awaiting"] == "offer_agent":
            return Step(NOTHING_MORE, options=MENU, action="decline")
        return Step(CANCELLED, options=MENU, action="cancel")

    # --- a new request ---

    def _fresh(self) -> Step:
        if is_no(self.message.text) or is_cancel(self.message.text):
            # "不用了" with nothing asked: the customer is done, not misunderstood.
            return Step(NOTHING_MORE, options=MENU, action="decline")
        intent, confidence = self.intent()
        if confidence >= self.min_confidence:
            return self._start(intent)
        answer = kb_reply(party=self.party, text=self.message.text, intent="")
        if answer is not None:
            return answer
        # Not understood and not in the knowledge base: the editors see it with its count.
        unanswered_log(text=self.message.text, channel=self.party.channel)
        if self._second_miss():
            return self._handoff(HandoffReason.LOW_CONFIDENCE, LOW_CONFIDENCE)
        return self._clarify()

    def _clarify(self) -> Step:
        guesses = [INTENT_PROMPTS[i] for i, _p in self.u.ranking if i in INTENT_PROMPTS][:3]
        options = tuple(dict.fromkeys([*guesses, *MENU]))[:5]
        return Step(CLARIFY, options=options, action="clarify", intent="")

    def _start(self, intent: str) -> Step:
        if intent == "human_agent":
            return self._handoff(HandoffReason.ASKED, HANDOFF)
        if intent == "greeting":
            return Step(GREETING, options=MENU, action="greeting", intent=intent)
        if intent == "goodbye_thanks":
            return Step(GOODBYE, action="goodbye", intent=intent, end=True)
        if intent == "account_binding":
            return binding(self.party)
        if intent in INFORMATIONAL:
            found = kb_reply(party=self.party, text=self.message.text, intent=intent)
            return found or kb_unanswered(party=self.party, text=self.message.text)
        if intent in ACCOUNT_ACTIONS or intent in ORDER_KINDS or intent == "outage_query":
            return self._personal(intent)
        # The optional language model may answer small talk politely; what the bot can do
        # follows either way, and it never chooses an action.
        chat = llm_small_talk(text=self.message.text)
        reply = f"{chat}\n{WHAT_I_DO}" if chat else OUT_OF_SCOPE
        return Step(reply, options=MENU, action="out_of_scope", intent="out_of_scope")

    def _personal(self, intent: str) -> Step:
        """An action on the customer's own accounts (rule 5)."""
        if self.party.customer_id is None or not self.party.accounts:
            links = [bind_link()]
            if intent == "outage_query":  # the public outage search needs no account
                links.append(portal_link("按地址查询停电信息", "outages"))
            return Step(
                NEED_BINDING, options=("绑定户号",), links=tuple(links), action="need_binding"
            )
        numbers = self.accounts_named()
        if numbers and not any(self.party.account(n) for n in numbers):
            return not_yours(self.party, numbers[0], intent, {})
        if intent == "outage_query":
            return self._guarded("停电查询", lambda: outages.outage_query(party=self.party))
        slots: dict[str, Any] = {}
        if intent in ORDER_KINDS:
            slots = self._opening_slots(intent)
        if intent == "bill_query":  # kept for after the customer said which account
            slots["months"] = list(self.u.entities.months)
        return self._run(intent, slots)

    def _opening_slots(self, intent: str) -> dict[str, Any]:
        """What the message that starts an order already says: its description (when it is
        more than "我要报修") and an address."""
        slots: dict[str, Any] = {}
        text = self.message.text
        if len(plain(text)) >= DESCRIPTION_MIN and not option_intent(text):
            slots["description"] = text[:SLOT_TEXT_MAX]
        if address := place_named(self.u.entities.addresses):
            slots["address"] = address[:ADDRESS_MAX]
            slots["address_done"] = True
        return slots

    def _run(self, intent: str, slots: dict[str, Any]) -> Step:
        """Ask for the next missing slot of `intent`, or act when none is missing."""
        account = self._account_for(intent, slots)
        if account is None:
            return ask_account(self.party, intent, slots, "")
        slots = slots | {"account": account.number}
        if intent in ACCOUNT_ACTIONS:
            action = ACCOUNT_ACTIONS[intent]
            months = tuple(slots.get("months", ())) or self.u.entities.months
            kwargs: dict[str, Any] = {"months": months} if intent == "bill_query" else {}
            label = ACTION_LABELS[intent]
            return self._guarded(label, lambda: action(party=self.party, account=account, **kwargs))
        kind = ORDER_KINDS[intent]
        if not slots.get("description"):
            pending = {"intent": intent, "awaiting": "description", "slots": slots}
            return Step(kind.ask_description, action="ask_description", pending=pending)
        if kind.needs_address and not slots.get("address_done"):
            return ask_address(self.party, intent, slots)
        summary = order_summary(intent=intent, account=account, slots=slots)
        if intent == "fault_report" and (note := outage_note(party=self.party, account=account)):
            summary = f"{note}\n{summary}"
        pending = {"intent": intent, "awaiting": "confirm", "slots": slots}
        return Step(summary, options=CONFIRM_OPTIONS, action="confirm", pending=pending)

    def _account_for(self, intent: str, slots: dict[str, Any]) -> Account | None:
        """The account the action is for: named, the only one, or the one last used; None
        when the customer must choose (a suggestion or praise takes the first)."""
        for number in (slots.get("account", ""), *self.accounts_named()):
            if number and (account := self.party.account(number)) is not None:
                self.state["account"] = account.number
                return account
        accounts = self.party.accounts
        remembered = self.party.account(self.state.get("account", ""))
        if len(accounts) == 1 or remembered is not None:
            return remembered or accounts[0]
        if intent in ORDER_KINDS and intent not in ORDERS_ASKING_ACCOUNT:
            return accounts[0]
        return None

    # --- acting, and handing over ---

    def _guarded(self, label: str, act: Callable[[], Step]) -> Step:
        """Run an action; what cannot be served, or a refusal from the app behind it, goes
        to a person, saying so."""
        try:
            return act()
        except CapabilityMissing as missing:
            text = f"抱歉，{missing}，我暂时无法为您办理{label}。我为您转接人工客服。"
            return self._handoff(HandoffReason.CAPABILITY, text)
        except DomainError as exc:
            text = f"抱歉，{label}暂时无法完成（{exc.message}）。我为您转接人工客服继续处理。"
            step = self._handoff(HandoffReason.ACTION_FAILED, text)
            step.data = {"error": exc.code}
            return step

    def _handoff(self, reason: str, text: str) -> Step:
        return Step(text, action="handoff", handoff=reason, intent=self.topic())

    def topic(self) -> str:
        """What the conversation is about, for the agent: the pending intent, this
        message's clear intent, else the last clear one."""
        pending = self.state.get("pending") or {}
        if pending.get("intent") and pending["intent"] not in SMALL_TALK:
            return str(pending["intent"])
        if self.message.understanding is not None:
            intent, confidence = self.intent()
            if confidence >= self.min_confidence and intent not in SMALL_TALK:
                return intent
        return str(self.state.get("topic", ""))
