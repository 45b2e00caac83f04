"""Core data: users, org units (供电局→供电所→班组), the audit log, API tokens and the
year calendars behind working-day SLAs."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcare.core.choices import CalendarDayKind, OrgUnitKind, UserKind

#: The years a calendar may be entered for (and the API answers).
CALENDAR_MIN_YEAR = 2000
CALENDAR_MAX_YEAR = 2100


class OrgUnit(models.Model):
    """组织机构: a node of the utility's organisation tree.

    `path` is a materialized path ("/1/4/9/") so "this unit and everything below it" is one
    indexed prefix query; it is maintained only by `core.services.org_unit_create`.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=OrgUnitKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["path"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")

    def __str__(self) -> str:
        return self.name


class GridCareUserManager(UserManager["User"]):
    """Users have no e-mail field; `createsuperuser` makes a staff administrator."""

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(username=username)

    def _create_user_without_email(
        self, username: str, password: str | None, **extra_fields: Any
    ) -> User:
        user = self.model(username=username, **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(  # type: ignore[override]
        self, username: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("kind", UserKind.STAFF)
        return self._create_user_without_email(username, password, **extra_fields)

    def create_superuser(  # type: ignore[override]
        self, username: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.update(kind=UserKind.STAFF, is_staff=True, is_superuser=True)
        return self._create_user_without_email(username, password, **extra_fields)


class AuditLogQuerySet(models.QuerySet["AuditLog"]):
    """Bulk writes are refused too: the audit trail is append-only at every level."""

    def update(self, **kwargs: Any) -> int:
        raise ValueError("audit log entries are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError("audit log entries are append-only")


class User(AbstractBaseUser, PermissionsMixin):
    """用户: a customer (logs in with a mobile number) or a staff member (with a username)."""

    username = models.CharField(_("login name"), max_length=64, unique=True)
    display_name = models.CharField(_("name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=UserKind.choices)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("org unit"),
    )
    is_staff = models.BooleanField(_("admin site access"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    preferred_language = models.CharField(max_length=8, blank=True)

    objects: ClassVar[GridCareUserManager] = GridCareUserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("reveal_pii", "Can reveal unmasked personal data")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=UserKind.STAFF) | models.Q(org_unit__isnull=True),
                name="core_user_customers_have_no_org_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_customer(self) -> bool:
        return self.kind == UserKind.CUSTOMER


class AuditLog(models.Model):
    """审计日志: append-only record of who did what to which object, from where."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=100)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id"], name="core_audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The audit trail is evidence: a row, once written, is never changed.
        if self.pk is not None:
            raise ValueError("audit log entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("audit log entries are append-only")


#: The longest token name (stated in the API schema, checked by the service).
API_TOKEN_NAME_MAX = 100


class ApiToken(models.Model):
    """集成令牌: a bearer token for an integration; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=API_TOKEN_NAME_MAX)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    #: `ApiTokenScope` values; a request outside them is refused (core.api_support).
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(default=timezone.now)
    # Every token expires: at most `API_TOKEN_MAX_DAYS` after it was issued.
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class CalendarYear(models.Model):
    """工作日历（年度）: one year's holidays and 调休 working days as officially published.

    Only the exceptions are stored (`CalendarDay`); weekends are derived. An entered year
    wins over chinese_calendar and over the provisional rule (core.workdays). `updated_at`
    moves on every change, so other processes notice and rebuild their cached calendar
    (core.calendar); writes go through core.calendar_services.
    """

    year = models.PositiveSmallIntegerField(
        _("year"),
        unique=True,
        validators=[MinValueValidator(CALENDAR_MIN_YEAR), MaxValueValidator(CALENDAR_MAX_YEAR)],
    )
    source = models.CharField(
        _("source"),
        max_length=300,
        help_text=_("The notice it follows, e.g. 国办发明电〔2025〕7号"),
    )
    note = models.TextField(_("note"), blank=True)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    imported_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("year calendar")
        verbose_name_plural = _("year calendars")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """节假日或调休上班日: one day of a year calendar that is not a plain weekday/weekend."""

    calendar = models.ForeignKey(
        CalendarYear, on_delete=models.CASCADE, related_name="days", verbose_name=_("year")
    )
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    def clean(self) -> None:
        calendar = self._calendar_or_none()
        # A day belongs to the calendar of its own year: that year decides its status.
        if calendar is not None and self.date and self.date.year != calendar.year:
            message = _("%(date)s is not in %(year)s: enter it in that year's calendar.")
            raise ValidationError({"date": message % {"date": self.date, "year": calendar.year}})
        # 调休 turns a weekend day into a working day; a weekday is a working day already.
        if self.kind == CalendarDayKind.MAKEUP_WORKDAY and self.date and self.date.weekday() < 5:
            message = _(
                "%(date)s is a weekday: a make-up working day must be a Saturday or Sunday."
            )
            raise ValidationError({"date": message % {"date": self.date}})

    def _calendar_or_none(self) -> CalendarYear | None:
        # The admin validates an inline day before a new year calendar has a primary key.
        try:
            return self.calendar
        except CalendarYear.DoesNotExist:
            return None
