"""Hand-written fakes of the ports in `core/ports/`: in memory, recording what happened.

A `FakeStore` holds the committed state. Each `FakeUnitOfWork` stages its writes (it reads
its own writes over committed data) and publishes them on `commit()`; leaving the `with`
block without committing discards them, like a rolled-back transaction.
"""

from tests.fakes.audit import FakeAuditLog
from tests.fakes.jobs import FakeBroker, FakeJobEntry, FakeJobQueue, FakeJobRepository
from tests.fakes.repositories import (
    FakeApiKeyRepository,
    FakeCourseBindingRepository,
    FakePolicyRepository,
    FakeResultRepository,
    FakeTaxonomyRepository,
    FakeTenantRepository,
)
from tests.fakes.system import (
    FailingMapper,
    FixedClock,
    RecordingMetrics,
    SequentialIds,
    StaticMapper,
)
from tests.fakes.unit_of_work import FakeStore, FakeUnitOfWork, FakeUnitOfWorkFactory

__all__ = [
    "FakeStore",
    "FakeUnitOfWork",
    "FakeUnitOfWorkFactory",
    "FakeTenantRepository",
    "FakeApiKeyRepository",
    "FakeTaxonomyRepository",
    "FakePolicyRepository",
    "FakeCourseBindingRepository",
    "FakeResultRepository",
    "FakeAuditLog",
    "FakeJobEntry",
    "FakeJobRepository",
    "FakeJobQueue",
    "FakeBroker",
    "FixedClock",
    "SequentialIds",
    "StaticMapper",
    "FailingMapper",
    "RecordingMetrics",
]
