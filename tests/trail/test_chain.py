import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from applications.models import Application
from tests.factories import MembershipFactory
from tests.factories.applications import in_state
from trail import chain
from trail.models import TrailEntry, TrailHead

pytestmark = pytest.mark.django_db


def withdrawn_application():
    membership = MembershipFactory()
    application = in_state(Application.Status.SUBMITTED, organization=membership.organization)
    application.withdraw(by=membership.user, reason="不再需要")
    return application, membership.user


def test_a_transition_appends_an_entry_chained_to_the_one_before():
    first, _ = withdrawn_application()
    second, user = withdrawn_application()
    before, entry = TrailEntry.objects.order_by("-seq")[:2][::-1]
    assert (entry.kind, entry.subject_type, entry.subject_id) == (
        "transition",
        "applications.application",
        str(second.pk),
    )
    assert entry.actor_id == user.pk
    assert entry.payload["transition"] == "withdraw"
    assert (entry.payload["from"], entry.payload["to"], entry.payload["reason"]) == (
        "submitted",
        "withdrawn",
        "不再需要",
    )
    assert entry.seq == before.seq + 1
    assert entry.prev_hash == before.hash
    assert entry.hash == chain.entry_hash(before.hash, entry.content())
    assert TrailHead.objects.values_list("seq", "hash").get() == (entry.seq, entry.hash)
    call_command("verify_trail")


def test_the_hash_is_sha256_over_the_previous_hash_and_the_canonical_json():
    withdrawn_application()
    entry = TrailEntry.objects.get(seq=1)
    at = entry.at.astimezone(chain.datetime.UTC).isoformat(timespec="microseconds")
    payload = chain.json.dumps(entry.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = (
        f'{{"actor_id":{entry.actor_id},"at":"{at}","kind":"transition","payload":{payload},"seq":1,'
        f'"subject_id":"{entry.subject_id}","subject_type":"applications.application"}}'
    )
    assert entry.prev_hash == "0" * 64
    assert entry.hash == chain.hashlib.sha256(("0" * 64 + text).encode()).hexdigest()


def test_a_refused_transition_appends_nothing():
    application, user = withdrawn_application()
    count = TrailEntry.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - any refusal
        application.withdraw(by=user, reason="again")
    assert TrailEntry.objects.count() == count


def test_a_rolled_back_act_leaves_no_entry_and_no_gap():
    withdrawn_application()
    membership = MembershipFactory()
    application = in_state(Application.Status.SUBMITTED, organization=membership.organization)
    with pytest.raises(RuntimeError), transaction.atomic():
        application.withdraw(by=membership.user, reason="撤回")
        raise RuntimeError("the act fails after its transition was recorded")
    assert TrailEntry.objects.count() == 1
    assert TrailHead.objects.values_list("seq", flat=True).get() == 1
    second, _ = withdrawn_application()
    assert TrailEntry.objects.order_by("seq").values_list("seq", "subject_id").last() == (2, str(second.pk))
    call_command("verify_trail")


def test_verify_trail_names_a_head_that_is_not_the_chains_end():
    for _ in range(2):
        withdrawn_application()
    TrailHead.objects.update(seq=5)  # the head row is not append-only: every append moves it
    with pytest.raises(CommandError, match=r"Entry #5 does not match: the head names entry #5, the chain ends at #2"):
        call_command("verify_trail")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL refuses the change itself (test below)")
def test_verify_trail_names_an_entry_whose_link_was_changed_by_sql():
    for _ in range(3):
        withdrawn_application()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE trail_trailentry SET prev_hash = %s WHERE seq = 3", ["f" * 64])
    with pytest.raises(CommandError, match=r"Entry #3 does not match: its previous hash is not the hash of the entry"):
        call_command("verify_trail")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL refuses the change itself (test below)")
def test_verify_trail_names_the_first_entry_changed_by_sql():
    for _ in range(3):
        withdrawn_application()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE trail_trailentry SET payload = %s WHERE seq = 2", ['{"transition": "grant"}'])
    with pytest.raises(CommandError, match=r"Entry #2 does not match: its content") as refused:
        call_command("verify_trail")
    assert refused.value.returncode == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL refuses the deletion itself (test below)")
def test_verify_trail_names_a_deleted_entry():
    for _ in range(3):
        withdrawn_application()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM trail_trailentry WHERE seq = 2")
    with pytest.raises(CommandError, match=r"Entry #2 does not match: entry #2 is missing"):
        call_command("verify_trail")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only triggers exist on PostgreSQL only")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE trail_trailentry SET kind = 'x'",
        "DELETE FROM trail_trailentry",
        "UPDATE trail_trailcheckpoint SET hash = repeat('0', 64)",
        "DELETE FROM trail_trailcheckpoint",
        "UPDATE accounts_securityevent SET detail = 'x'",
        "DELETE FROM accounts_securityevent",
    ],
)
def test_postgresql_refuses_to_change_the_record_or_the_security_log(sql):
    withdrawn_application()
    from accounts import security_log
    from accounts.models import SecurityEvent
    from trail.checkpoints import sign_head

    security_log.record(SecurityEvent.Kind.DENIED, None, detail="403")
    sign_head()
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
