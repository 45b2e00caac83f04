"""Customer use cases, one module per use-case group (re-exported here, so callers import
`gridcare.customers.services` as before):

- `accounts`: customer records, 户号 and their meters;
- `binding`: binding an account to a portal login (a code sent to its registered mobile);
- `contact`: channel identities, contact preferences, consent;
- `registration`: a portal login, after an SMS code to its mobile and the agreement;
- `timeline`: interactions on the customer's timeline.
"""

from gridcare.customers.services.accounts import (
    account_attach_meter,
    account_open,
    customer_create,
    premise_create,
)
from gridcare.customers.services.binding import (
    account_bind_confirm,
    account_bind_request,
    account_unbind,
)
from gridcare.customers.services.contact import (
    channel_identity_link,
    consent_record,
    contact_preference_set,
    contact_settings_save,
)
from gridcare.customers.services.registration import signup_code_request, signup_complete
from gridcare.customers.services.timeline import (
    CHANNEL_DATA,
    interaction_link,
    interaction_record,
    interactions_record_many,
)

__all__ = [
    "CHANNEL_DATA",
    "account_attach_meter",
    "account_bind_confirm",
    "account_bind_request",
    "account_open",
    "account_unbind",
    "channel_identity_link",
    "consent_record",
    "contact_preference_set",
    "contact_settings_save",
    "customer_create",
    "interaction_link",
    "interaction_record",
    "interactions_record_many",
    "premise_create",
    "signup_code_request",
    "signup_complete",
]
