"""/api/v1/customers and /api/v1/accounts: thin endpoints over customers' services/selectors."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from gridcare.core.api_support import (
    AUTH,
    Pages,
    WithExtras,
    acting_user,
    client_ip,
    require_customer,
    require_staff_perm,
)
from gridcare.core.privacy import mask_mobile
from gridcare.core.roles import ADD_CUSTOMER, ADD_INTERACTION, VIEW_ACCOUNT, VIEW_CUSTOMER
from gridcare.core.schemas import WRITE_ERRORS, ErrorOut, IdPath
from gridcare.core.services import pii_reveal
from gridcare.customers import selectors, services
from gridcare.customers.models import Account, Customer, Interaction
from gridcare.customers.schemas import (
    AccountDetailOut,
    AccountFilter,
    AccountNumberPath,
    AccountOut,
    BindConfirmIn,
    BindRequestIn,
    BindRequestOut,
    CustomerCreateIn,
    CustomerDetailOut,
    CustomerFilter,
    CustomerOut,
    InteractionIn,
    InteractionOut,
    RevealIn,
    RevealOut,
    TimelineFilter,
    TopologyOut,
)

customers_router = Router(tags=["customers"], auth=AUTH)
accounts_router = Router(tags=["accounts"], auth=AUTH)
ERRORS = {**WRITE_ERRORS, 503: ErrorOut}


def _with_topology(account: Account) -> WithExtras:
    paths = selectors.account_topology(account=account)
    return WithExtras(account, topology=[TopologyOut.build(path) for path in paths])


@customers_router.get("", response={200: list[CustomerOut], **ERRORS})
@paginate(Pages, page_size=20)
def customer_list(request: HttpRequest, filters: Query[CustomerFilter]) -> QuerySet[Customer]:
    """Search customers in your org scope by 户号, mobile, ID number or name prefix."""
    user = acting_user(request)
    require_staff_perm(user, VIEW_CUSTOMER)
    return selectors.customer_list(user=user, query=filters.q)


@customers_router.post("", response={201: CustomerOut, **ERRORS})
def customer_create(request: HttpRequest, payload: CustomerCreateIn) -> Status[Customer]:
    """Register a customer (business hall, integrations). Mobile and ID number are validated;
    an ID number already registered is refused. The answer is masked like every other."""
    user = acting_user(request)
    require_staff_perm(user, ADD_CUSTOMER)
    customer = services.customer_create(
        actor=user,
        kind=payload.kind,
        name=payload.name,
        mobile=payload.mobile,
        id_number=payload.id_number,
    )
    return Status(201, customer)


@customers_router.get("/{customer_id}", response={200: CustomerDetailOut, **ERRORS})
def customer_detail(request: HttpRequest, customer_id: IdPath) -> CustomerDetailOut:
    user = acting_user(request)
    require_staff_perm(user, VIEW_CUSTOMER)
    view = selectors.customer_360(user=user, customer_id=customer_id)
    accounts = [
        WithExtras(item.account, topology=[TopologyOut.build(path) for path in item.paths])
        for item in view.accounts
    ]
    detail = WithExtras(view.customer, accounts=accounts, consents=view.consents)
    return CustomerDetailOut.from_orm(detail)


@customers_router.post("/{customer_id}/reveal", response={200: RevealOut, **ERRORS})
def customer_reveal(request: HttpRequest, customer_id: IdPath, payload: RevealIn) -> RevealOut:
    """Show one unmasked field; needs the reveal permission and leaves an audit entry."""
    user = acting_user(request)
    require_staff_perm(user, VIEW_CUSTOMER)
    customer = selectors.customer_get_for_user(user=user, customer_id=customer_id)
    value = pii_reveal(actor=user, obj=customer, field=payload.field, ip=client_ip(request))
    return RevealOut(field=payload.field, value=value)


@customers_router.get("/{customer_id}/timeline", response={200: list[InteractionOut], **ERRORS})
@paginate(Pages, page_size=50)
def customer_timeline(
    request: HttpRequest, customer_id: IdPath, filters: Query[TimelineFilter]
) -> QuerySet[Interaction]:
    """Every contact with the customer, newest first, from every channel."""
    user = acting_user(request)
    require_staff_perm(user, VIEW_CUSTOMER)
    channels = [c for c in filters.channel.split(",") if c]
    return selectors.customer_timeline(
        user=user, customer_id=customer_id, channels=channels, direction=filters.direction
    )


@customers_router.post("/{customer_id}/interactions", response={201: InteractionOut, **ERRORS})
def interaction_create(
    request: HttpRequest, customer_id: IdPath, payload: InteractionIn
) -> Status[Interaction]:
    """Record a contact: a hotline call from the CTI system (with its recording reference),
    a business-hall counter visit (queue number, waiting and service time), or any other
    channel. The same `external_id` twice returns the first record."""
    user = acting_user(request)
    require_staff_perm(user, ADD_INTERACTION)
    customer = selectors.customer_get_for_user(user=user, customer_id=customer_id)
    account_id = None
    if payload.account_number:
        account_id = selectors.account_get_for_user(user=user, number=payload.account_number).pk
    interaction = services.interaction_record(
        actor=user,
        customer_id=customer.pk,
        account_id=account_id,
        channel=payload.channel,
        direction=payload.direction,
        summary=payload.summary,
        body=payload.body,
        occurred_at=payload.occurred_at,
        external_id=payload.external_id,
        data=payload.data.model_dump(exclude_none=True),
    )
    return Status(
        201,
        selectors.interaction_get_for_user(
            user=user, customer_id=customer.pk, interaction_id=interaction.pk
        ),
    )


@accounts_router.get("", response={200: list[AccountOut], **ERRORS})
@paginate(Pages, page_size=20)
def account_list(request: HttpRequest, filters: Query[AccountFilter]) -> QuerySet[Account]:
    """Customers get the accounts bound to them; staff the accounts of their org scope."""
    user = acting_user(request)
    return selectors.account_search(
        user=user,
        number_prefix=filters.q.strip(),
        tariff_class=filters.tariff_class or "",
        status=filters.status or "",
    )


@accounts_router.get("/{number}", response={200: AccountDetailOut, **ERRORS})
def account_detail(request: HttpRequest, number: str) -> AccountDetailOut:
    """One account; another customer's account (or one outside a staff scope) is a 404."""
    user = acting_user(request)
    if not user.is_customer:
        require_staff_perm(user, VIEW_ACCOUNT)
    account = selectors.account_get_for_user(user=user, number=number)
    return AccountDetailOut.from_orm(_with_topology(account))


@accounts_router.post("/bindings/request", response={200: BindRequestOut, **ERRORS})
def binding_request(request: HttpRequest, payload: BindRequestIn) -> BindRequestOut:
    """Send a verification code to the account's registered mobile."""
    user = acting_user(request)
    require_customer(user)
    challenge = services.account_bind_request(actor=user, account_number=payload.account_number)
    return BindRequestOut(
        sent_to=mask_mobile(challenge.account.registered_mobile), expires_at=challenge.expires_at
    )


@accounts_router.post("/bindings/confirm", response={201: AccountOut, **ERRORS})
def binding_confirm(request: HttpRequest, payload: BindConfirmIn) -> Status[Account]:
    user = acting_user(request)
    require_customer(user)
    binding = services.account_bind_confirm(
        actor=user, account_number=payload.account_number, code=payload.code
    )
    return Status(201, selectors.account_get_for_user(user=user, number=binding.account.number))


@accounts_router.delete("/bindings/{number}", response={204: None, **ERRORS})
def binding_delete(request: HttpRequest, number: AccountNumberPath) -> Status[None]:
    user = acting_user(request)
    require_customer(user)
    services.account_unbind(actor=user, account_number=number)
    return Status(204, None)
