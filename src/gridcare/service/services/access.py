"""Who may take which action on an order (scope is checked first, by the selectors)."""

from __future__ import annotations

from gridcare.core.errors import PermissionDeniedError
from gridcare.core.models import User
from gridcare.service.choices import Origin
from gridcare.service.models import WorkOrder

DISPATCH = "service.dispatch_workorder"
WORK = "service.work_workorder"
SUPERVISE = "service.supervise_workorder"

ACTION_PERMISSION = {
    "dispatch": DISPATCH,
    "reassign": DISPATCH,
    "take": WORK,
    "send_back": WORK,
    "arrive": WORK,
    "resolve": WORK,
    "pause": WORK,
    "resume": WORK,
    "start_visit": SUPERVISE,
    "archive": SUPERVISE,
    "reopen": SUPERVISE,
    "cancel": SUPERVISE,
    "merge": SUPERVISE,
}

#: What a customer may do to their own order.
CUSTOMER_ACTIONS = frozenset({"cancel"})


def may_act(user: User, order: WorkOrder, action: str) -> bool:
    if user.is_customer:
        # An order the system opened (billing's disconnection) is not the customer's to
        # cancel, though they see it on their account.
        return action in CUSTOMER_ACTIONS and order.origin != Origin.SYSTEM
    permission = ACTION_PERMISSION.get(action)
    return permission is not None and user.has_perm(permission)


def check_may_act(user: User, order: WorkOrder, action: str) -> None:
    if not may_act(user, order, action):
        raise PermissionDeniedError("service.order.forbidden_action", "您没有权限执行该操作")
