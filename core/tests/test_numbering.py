import datetime
import threading

import pytest
from django.db import close_old_connections, connection, transaction

from core.models import DailySequence
from core.numbering import next_number


@pytest.mark.django_db
def test_numbers_count_per_day_and_prefix():
    day = datetime.date(2026, 11, 22)
    with transaction.atomic():
        assert next_number("SO", day) == "SO20261122001"
        assert next_number("SO", day) == "SO20261122002"
        assert next_number("SH", day) == "SH20261122001"
        assert next_number("SO", day + datetime.timedelta(days=1)) == "SO20261123001"
    assert DailySequence.objects.get(key="SO", day=day).last_value == 2


@pytest.mark.django_db
def test_rolled_back_number_is_not_reused_by_a_committed_one():
    day = datetime.date(2026, 11, 22)
    with transaction.atomic():
        first = next_number("SO", day)
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number("SO", day)
        raise RuntimeError("document failed to save")
    with transaction.atomic():
        third = next_number("SO", day)
    assert (first, third) == ("SO20261122001", "SO20261122002")


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        next_number("SO", datetime.date(2026, 11, 22))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_numbering_gives_distinct_numbers_on_postgres():
    assert connection.vendor == "postgresql"
    day = datetime.date(2026, 11, 22)
    results, errors = [], []
    barrier = threading.Barrier(10)

    def worker():
        try:
            barrier.wait()
            for _ in range(5):
                with transaction.atomic():
                    results.append(next_number("PX", day))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 50
    assert sorted(results) == [f"PX20261122{i:03d}" for i in range(1, 51)]
