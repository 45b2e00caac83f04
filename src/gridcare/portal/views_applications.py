"""业务办理 (business applications) in the portal: the kinds and what each needs, an apply
form per kind, each application's progress with an upload form for what is missing, and
downloads of its documents. Thin over service.services.applications / uploads and
service.application_selectors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.web import customer_required, form_add_domain_error, page_not_found
from gridcare.customers import selectors as customer_selectors
from gridcare.service import application_selectors as selectors
from gridcare.service.choices import DocumentKind
from gridcare.service.downloads import attachment_response
from gridcare.service.services.applications import application_submit
from gridcare.service.services.uploads import attachment_add

#: What the file inputs offer the phone's picker (the server checks the content anyway).
ACCEPT = "image/jpeg,image/png,image/webp,image/heic,.heic,application/pdf"


class ApplyForm(forms.Form):
    """One kind's application: account, capacity where the kind asks, its facts, a note and
    the documents (optional here: the progress page asks again for what is missing)."""

    account_number = forms.ChoiceField(label=_("Account"))
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, kind: selectors.KindInfo, accounts: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kind = kind
        account_field = self.fields["account_number"]
        assert isinstance(account_field, forms.ChoiceField)
        account_field.choices = [(a.number, a.number) for a in accounts]
        if kind.capacity != "none":
            self.fields["capacity_kva"] = forms.DecimalField(
                label=_("Capacity applied for (kVA)"),
                required=kind.capacity == "required",
                min_value=Decimal("0.1"),
                max_digits=10,
                decimal_places=1,
            )
        for code, name in kind.fields:
            self.fields[f"fact_{code}"] = forms.CharField(label=name, max_length=200)
        # The free note after the kind's own questions.
        self.fields["note"] = self.fields.pop("note")
        for document in self.documents:
            self.fields[f"doc_{document.value}"] = forms.FileField(
                label=document.label,
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
            )

    @property
    def documents(self) -> list[DocumentKind]:
        return list(dict.fromkeys(self.kind.documents + self.kind.documents_if_organization))

    def document_fields(self) -> list[forms.BoundField]:
        return [self[f"doc_{d.value}"] for d in self.documents]

    def other_fields(self) -> list[forms.BoundField]:
        return [f for f in self.visible_fields() if not f.name.startswith("doc_")]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("File"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT})
    )


@customer_required
def applications_view(request: HttpRequest) -> HttpResponse:
    """业务办理: every kind with its steps and documents, and this login's applications."""
    assert isinstance(request.user, User)
    context = {
        "kinds": selectors.application_kinds(),
        "mine": selectors.applications_of_user(request.user)[:50],
    }
    return render(request, "portal/applications/index.html", context)


@customer_required
def application_apply_view(request: HttpRequest, kind: str) -> HttpResponse:
    assert isinstance(request.user, User)
    try:
        info = selectors.application_kind_info(kind)
    except DomainError:
        return page_not_found(request)
    accounts = list(customer_selectors.accounts_of_login(user=request.user))
    if not accounts:
        return redirect("portal:bind")
    form = ApplyForm(request.POST or None, request.FILES or None, kind=info, accounts=accounts)
    _styled(form)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                application = _submit(request.user, info, form.cleaned_data)
            except DomainError as exc:
                _show_error(form, exc)
                status = exc.status
            else:
                return redirect("portal:application", number=application.order.number)
    context = {"kind": info, "form": form}
    return render(request, "portal/applications/apply.html", context, status=status)


def _styled(form: forms.Form) -> forms.Form:
    """Bootstrap classes on every widget (the shared form_fields.html renders inputs only)."""
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)
    return form


def _submit(user: User, info: selectors.KindInfo, data: dict[str, Any]) -> Any:
    facts = {code: data[f"fact_{code}"] for code, _name in info.fields}
    documents = [
        (name.removeprefix("doc_"), upload)
        for name, upload in data.items()
        if name.startswith("doc_") and upload
    ]
    return application_submit(
        actor=user,
        kind=info.kind,
        account_number=data["account_number"],
        capacity_kva=data.get("capacity_kva"),
        data={**facts, "note": data["note"]},
        documents=documents,
    )


def _show_error(form: forms.Form, exc: DomainError) -> None:
    """A refusal next to its field: facts are `fact_<code>`; an upload's error goes to the
    form (it does not say which of the files)."""
    for prefix in ("fact_", ""):
        if exc.field and f"{prefix}{exc.field}" in form.fields:
            form.add_error(f"{prefix}{exc.field}", exc.message)
            return
    form_add_domain_error(form, exc)


@customer_required
def application_detail_view(request: HttpRequest, number: str) -> HttpResponse:
    """进度: each step (done / in progress with its deadline / waiting for you), the
    documents still missing and a form to upload them."""
    assert isinstance(request.user, User)
    try:
        progress = selectors.application_progress_for_user(user=request.user, number=number)
    except DomainError:
        return page_not_found(request)
    missing = progress.missing_documents
    initial = {"kind": missing[0] if missing else DocumentKind.OTHER}
    form = _styled(UploadForm(request.POST or None, request.FILES or None, initial=initial))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                attachment_add(
                    actor=request.user,
                    number=number,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
                status = exc.status
            else:
                return redirect("portal:application", number=number)
    context = {"progress": progress, "form": form}
    return render(request, "portal/applications/detail.html", context, status=status)


@customer_required
def application_attachment_view(
    request: HttpRequest, number: str, attachment_id: int
) -> HttpResponse:
    """A document of one of this login's orders, as a download (never rendered inline)."""
    assert isinstance(request.user, User)
    try:
        attachment = selectors.attachment_get_for_user(
            user=request.user, number=number, attachment_id=attachment_id
        )
        # A streamed file: `customer_required` is typed for plain responses.
        return cast(HttpResponse, attachment_response(attachment))
    except DomainError:
        return page_not_found(request)
