"""Key rotation end to end: add a key in front, run `gridcare rotate_keys`, drop the old key."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from gridcare.core.models import AuditLog
from gridcare.customers.models import Customer
from gridcare.customers.services import customer_create

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def raw_id_number(customer_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM customers_customer WHERE id = %s", [customer_id])
        return str(cursor.fetchone()[0])


@pytest.mark.django_db
def test_rotation_re_encrypts_so_the_old_key_can_be_dropped() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        customer = customer_create(
            actor=None,
            kind="person",
            name="王五",
            mobile="13600000006",
            id_number="11010519491231002X",
        )
        before = raw_id_number(customer.pk)
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        call_command("rotate_keys")
        after = raw_id_number(customer.pk)
    assert after != before
    assert "11010519491231002X" not in after
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        assert Customer.objects.get(pk=customer.pk).id_number == "11010519491231002X"
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]), pytest.raises(ImproperlyConfigured):
        Customer.objects.get(pk=customer.pk)
    entry = AuditLog.objects.get(action="core.encryption.rotate")
    assert entry.data == {"customers.Customer": 1}
