"""Domain errors: each names a situation a caller can act on."""


class DomainError(Exception):
    """Base of every error the core raises on purpose."""


class NotFound(DomainError):
    """The resource does not exist for this tenant (another tenant's looks the same)."""


class VersionNotFound(DomainError):
    """A taxonomy or policy version, or a course binding, that the request names is unknown.

    `field` names the request field at fault (`taxonomy_version`, `policy_version`, `course_id`):
    the HTTP edge reports it as the 422's field path, never guessing it from the message."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class IdempotencyConflict(DomainError):
    """The idempotency key was already used with a different payload.

    `field` names the request field at fault when there is one (`items[3].request_id` of a batch)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DuplicateResult(DomainError):
    """A result with this (tenant, request_id) is already stored (raised by repositories)."""


class DuplicateJob(DomainError):
    """A job with this (tenant, Idempotency-Key) is already stored (raised by repositories)."""


class VersionExists(DomainError):
    """A taxonomy or policy version with this name already exists: versions are never changed."""


class VersionDeprecated(VersionNotFound):
    """The named taxonomy version is deprecated: stored results keep it, new decisions and bindings may not use it."""

    def __init__(self, message: str, *, field: str = "taxonomy_version") -> None:
        super().__init__(message, field=field)


class CatalogConflict(DomainError):
    """An admin action the catalog's current state forbids (e.g. deprecating the tenant's default)."""


class InvalidVersionName(DomainError):
    """A new version name that could not be addressed in a URL (see core/domain/catalog.py)."""


class MapperError(DomainError):
    """A mapper could not produce a mapping (service down, timeout, garbage answer)."""


class TenantExists(DomainError):
    """A tenant with this id already exists (ids are never reused)."""


class KeyRevoked(DomainError):
    """The API key is already revoked: it cannot be rotated (create a new one instead)."""


class InvalidInput(DomainError):
    """A value given to a use case breaks a rule the message names (e.g. a reserved tenant id).

    `field` names the input at fault when the raiser knows it (`name`); else `body`."""

    def __init__(self, message: str, *, field: str = "body") -> None:
        super().__init__(message)
        self.field = field


class OverridesNotAllowed(DomainError):
    """A client key sent policy overrides and its tenant does not allow them (ADR 0013)."""


class TransitionForbidden(DomainError):
    """The caller's role (or, for a reviewer, not being the assignee) does not allow this review transition."""


class InvalidTransition(DomainError):
    """The review item's current state does not allow this transition (or it changed meanwhile)."""


class QueueUnavailable(Exception):
    """The batch queue's broker (Redis) is down, hung or refused: an outage, not a caller's mistake.

    Not a DomainError: batch processing treats it as transient (retry later)."""


class RecursoForaDoPrazo(InvalidInput):
    """A recurso filed after the policy's window (prazo_recurso_dias working days) closed: 422."""
