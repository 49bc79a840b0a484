"""The repositories a unit of work carries, re-exported in one place."""

from core.ports.tenant_repository import TenantRepository
from core.ports.api_key_repository import ApiKeyRepository
from core.ports.taxonomy_repository import TaxonomyRepository
from core.ports.policy_repository import PolicyRepository
from core.ports.course_binding_repository import CourseBindingRepository
from core.ports.result_repository import ResultRepository
from core.ports.audit_log import AuditLog
from core.ports.job_repository import JobRepository
from core.ports.curriculum_repository import CurriculumRepository
from core.ports.review_repository import ReviewRepository

__all__ = [
    "ApiKeyRepository",
    "AuditLog",
    "CourseBindingRepository",
    "CurriculumRepository",
    "JobRepository",
    "PolicyRepository",
    "ResultRepository",
    "ReviewRepository",
    "TaxonomyRepository",
    "TenantRepository",
]
