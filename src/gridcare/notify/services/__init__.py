"""Notification use cases (a package: templates, enqueue, delivery, inbox): publish a template, enqueue messages (one or in bulk), deliver
them exactly once, and recover what a killed worker left behind.

Rules (docs/architecture.md, "Notifications"):

1. Purpose and consent: marketing needs a current `granted` consent; service, outage and
   billing notices go out under the supply contract unless the customer refused them.
2. Channel: the one asked for, else the customer's first preferred channel with an address,
   else SMS. No address on that channel: the message is kept as `suppressed`.
3. Quiet hours (default 22:00–08:00 Beijing, the customer's own if set): a non-urgent
   message is `deferred` to the end of the quiet period.
4. At most `NOTIFY_CUSTOMER_DAILY_LIMIT` non-urgent messages per customer per 24 h.
5. Rendered once at enqueue: a missing variable refuses the whole request.
6. Enqueued with its delivery task in the same transaction (django-tasks-db writes the
   task row through the same connection), so both commit or neither does.
7. Delivery claims a row by compare-and-set (`claimable → sending` with a lease), sends
   outside any transaction, then finishes by compare-and-set on the claim: `sent`,
   `retrying` (exponential backoff, a new task with `run_after`) or `failed`.
8. A lease that expires (the worker died) puts the row back to `retrying`; the backends hand
   the idempotency key to the gateway, so a message the gateway already took is not
   delivered twice.
"""

from gridcare.notify.services.delivery import (
    DeliveryTally,
    notifications_deliver,
    notifications_recover,
)
from gridcare.notify.services.enqueue import (
    EnqueueResult,
    MessageRequest,
    notification_enqueue,
    notifications_enqueue,
)
from gridcare.notify.services.inbox import notification_mark_read
from gridcare.notify.services.staff import (
    staff_notice_mark_read,
    staff_notice_send,
    staff_sms_deliver,
    staff_sms_recover,
)
from gridcare.notify.services.templates import (
    DefaultWording,
    template_current,
    template_publish,
    template_render,
    templates_publish_missing,
)

__all__ = [
    "DefaultWording",
    "DeliveryTally",
    "EnqueueResult",
    "MessageRequest",
    "notification_enqueue",
    "notification_mark_read",
    "notifications_deliver",
    "notifications_enqueue",
    "notifications_recover",
    "staff_notice_mark_read",
    "staff_notice_send",
    "staff_sms_deliver",
    "staff_sms_recover",
    "template_current",
    "template_publish",
    "template_render",
    "templates_publish_missing",
]
