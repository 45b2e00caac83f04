"""The assistant's knowledge base in the console: the list of entries (search, category
and state filters, and a box to try a question as the bot would answer it), one entry's
editor, and the list of questions the bot could not answer, most asked first, each to be
answered with an entry or dismissed.

Staff who read the assistant (assistant.view_botsession) see everything read-only;
editing needs assistant.add_faqentry / change_faqentry (a POST without it is a 403).
The rules live in assistant.services.kb_edit.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gridcare.assistant.choices import FaqCategory, UnansweredStatus
from gridcare.assistant.selectors import kb as reads
from gridcare.assistant.services import kb_edit
from gridcare.assistant.services.kb import kb_answer
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import parse_choice, parse_int, parse_text
from gridcare.core.roles import EDIT_KNOWLEDGE, VIEW_ASSISTANT
from gridcare.core.web import form_add_domain_error, page_not_found, staff_required

ADD_ENTRY, CHANGE_ENTRY = EDIT_KNOWLEDGE
PAGE_SIZE = 50
STATES = ("active", "inactive", "all")
QUESTION_STATUSES = (*UnansweredStatus.values, "all")


class FaqForm(forms.Form):
    """An entry as an editor types it: variants one per line."""

    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=kb_edit.CODE_MAX,
        required=False,
        help_text=gettext_lazy("Lower-case letters, digits and hyphens; fixed once saved."),
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=FaqCategory.choices)
    question = forms.CharField(label=gettext_lazy("Question"), max_length=kb_edit.QUESTION_MAX)
    variants = forms.CharField(
        label=gettext_lazy("Other wordings (one per line)"),
        required=False,
        max_length=(kb_edit.VARIANT_MAX + 1) * (kb_edit.VARIANTS_MAX + 10),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    answer = forms.CharField(
        label=gettext_lazy("Answer"),
        max_length=kb_edit.ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    source = forms.CharField(
        label=gettext_lazy("Source policy"), max_length=kb_edit.SOURCE_MAX, required=False
    )
    valid_from = forms.DateField(
        label=gettext_lazy("Valid from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    valid_to = forms.DateField(
        label=gettext_lazy("Valid to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False)

    def draft(self) -> kb_edit.FaqDraft:
        data = self.cleaned_data
        return kb_edit.FaqDraft(
            category=data["category"],
            question=data["question"],
            answer=data["answer"],
            variants=data["variants"].splitlines(),
            source=data["source"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            active=data["active"],
        )


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _page(request: HttpRequest, rows: Any) -> Any:
    number = parse_int(request.GET.get("page"), field="page", default=1, minimum=1) or 1
    return Paginator(rows, PAGE_SIZE).get_page(number)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@staff_required(VIEW_ASSISTANT)
def knowledge_view(request: HttpRequest) -> HttpResponse:
    query = parse_text(request.GET.get("q"), field="q", max_length=100)
    category = parse_choice(
        request.GET.get("category"), field="category", choices=("", *FaqCategory.values), default=""
    )
    state = parse_choice(request.GET.get("state"), field="state", choices=STATES, default="active")
    trial = parse_text(request.GET.get("try"), field="try", max_length=500)
    active = {"active": True, "inactive": False}.get(state)
    entries = reads.faq_list_for_editors(query=query, category=category, active=active)
    context = {
        "page": _page(request, entries),
        "query": query,
        "category": category,
        "state": state,
        "categories": FaqCategory.choices,
        "counts": reads.faq_category_counts(),
        "trial": trial,
        "trial_answer": (
            kb_answer(text=trial, today=timezone.localdate(), channel="console") if trial else None
        ),
        "page_query": _query_without_page(request),
        "open_questions": reads.unanswered_open_count(),
    }
    return render(request, "console/assistant/knowledge.html", context)


def _editor_page(
    request: HttpRequest,
    form: FaqForm,
    entry: Any = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    can_edit = user.has_perm(CHANGE_ENTRY if entry else ADD_ENTRY)
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    context = {"form": form, "entry": entry, "can_edit": can_edit}
    return render(request, "console/assistant/knowledge_edit.html", context, status=status)


@staff_required(ADD_ENTRY)
def knowledge_new_view(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        # "New entry from it" on the unanswered list passes the customer's wording.
        question = parse_text(request.GET.get("question"), field="question", max_length=500)
        initial = {"active": True, "question": question[: kb_edit.QUESTION_MAX]}
        return _editor_page(request, FaqForm(initial=initial))
    form = FaqForm(request.POST)
    if not form.is_valid():
        return _editor_page(request, form, status=400)
    try:
        entry = kb_edit.faq_create(
            actor=_user(request), code=form.cleaned_data["code"], draft=form.draft()
        )
    except DomainError as exc:
        form_add_domain_error(form, exc)
        return _editor_page(request, form, status=exc.status)
    messages.success(request, _("Entry %(code)s created.") % {"code": entry.code})
    return redirect("console:assistant_knowledge_entry", code=entry.code)


def _initial(entry: Any) -> dict[str, Any]:
    return {
        "code": entry.code,
        "category": entry.category,
        "question": entry.question,
        "variants": "\n".join(entry.variants or []),
        "answer": entry.answer,
        "source": entry.source,
        "valid_from": entry.valid_from,
        "valid_to": entry.valid_to,
        "active": entry.active,
    }


@staff_required(VIEW_ASSISTANT)
def knowledge_entry_view(request: HttpRequest, code: str) -> HttpResponse:
    try:
        entry = reads.faq_get(code=code)
    except DomainError:
        return page_not_found(request)
    if request.method != "POST":
        return _editor_page(request, FaqForm(initial=_initial(entry)), entry)
    user = _user(request)
    if not user.has_perm(CHANGE_ENTRY):
        return render(request, "errors/403.html", status=403)
    form = FaqForm(request.POST)
    form.fields["code"].disabled = True
    form.initial["code"] = entry.code
    if not form.is_valid():
        return _editor_page(request, form, entry, status=400)
    version = parse_int(request.POST.get("version"), field="version", default=0) or 0
    try:
        entry = kb_edit.faq_update(actor=user, code=entry.code, draft=form.draft(), version=version)
    except DomainError as exc:
        form_add_domain_error(form, exc)
        return _editor_page(request, form, entry, status=exc.status)
    messages.success(
        request,
        _("Entry %(code)s saved (version %(version)s).")
        % {"code": entry.code, "version": entry.version},
    )
    return redirect("console:assistant_knowledge_entry", code=entry.code)


@staff_required(CHANGE_ENTRY)
@require_POST
def knowledge_deactivate_view(request: HttpRequest, code: str) -> HttpResponse:
    version = parse_int(request.POST.get("version"), field="version", default=None)
    try:
        entry = kb_edit.faq_deactivate(actor=_user(request), code=code, version=version)
    except DomainError as exc:
        if exc.status == 404:
            return page_not_found(request)
        messages.warning(request, exc.message)
        return redirect("console:assistant_knowledge_entry", code=code)
    messages.success(
        request, _("Entry %(code)s deactivated: the assistant no longer uses it.") % {"code": code}
    )
    return redirect("console:assistant_knowledge_entry", code=entry.code)


@staff_required(VIEW_ASSISTANT)
def unanswered_view(request: HttpRequest) -> HttpResponse:
    status = parse_choice(
        request.GET.get("status"), field="status", choices=QUESTION_STATUSES, default="open"
    )
    questions = reads.unanswered_list(status="" if status == "all" else status)
    context = {
        "page": _page(request, questions),
        "status": status,
        "statuses": UnansweredStatus.choices,
        "page_query": _query_without_page(request),
        "entry_choices": reads.faq_choices(),
    }
    return render(request, "console/assistant/unanswered.html", context)


def _back_to_unanswered(request: HttpRequest) -> HttpResponse:
    return redirect("console:assistant_unanswered")


@staff_required(CHANGE_ENTRY)
@require_POST
def unanswered_resolve_view(request: HttpRequest, question_id: int) -> HttpResponse:
    code = parse_text(request.POST.get("entry"), field="entry", max_length=kb_edit.CODE_MAX)
    try:
        entry = kb_edit.unanswered_resolve(
            actor=_user(request), question_id=question_id, entry_code=code
        )
    except DomainError as exc:
        messages.warning(request, exc.message)
        return _back_to_unanswered(request)
    messages.success(
        request,
        _("Answered with %(code)s: the question was added to its wordings.") % {"code": entry.code},
    )
    return _back_to_unanswered(request)


@staff_required(CHANGE_ENTRY)
@require_POST
def unanswered_dismiss_view(request: HttpRequest, question_id: int) -> HttpResponse:
    try:
        kb_edit.unanswered_dismiss(actor=_user(request), question_id=question_id)
    except DomainError as exc:
        messages.warning(request, exc.message)
        return _back_to_unanswered(request)
    messages.success(request, _("Question dismissed."))
    return _back_to_unanswered(request)
