"""All models, imported here so ``Base.metadata`` is complete for Alembic and the tests."""

from service.models.accreditation import (
    AccreditationExport,
    AccreditationRecord,
    AccreditationRegistry,
    AccreditedActivity,
    EarningRule,
    ExportStatus,
    LearningHours,
    PeOnlineAccount,
    PointsCursor,
    RecordStatus,
    RegistrationNumber,
)
from service.models.audit import AuditEvent
from service.models.attempts import Attempt, AttemptStatus, CurrentSkillLevel, Response, SkillObservation
from service.models.catalogue import (
    ContentRelease,
    FunctionProfile,
    HelpRule,
    LearningResource,
    Requirement,
    Skill,
    SkillLevelDescriptor,
    Theme,
)
from service.models.hr import HrColumnMapping, HrImportRun, HrImportStatus, HrPendingImport, HrRecord
from service.models.jobs import JobLock
from service.models.compliance import (
    ComplianceSnapshot,
    ComplianceSnapshotRun,
    ComplianceTarget,
    Exemption,
    HrDashboardFigures,
)
from service.models.campaigns import Campaign
from service.models.coaching import CoachScope, DropInHour
from service.models.help_requests import (
    CloseReason,
    CoachingAttendance,
    CoachingSession,
    CoachingSessionVersion,
    ContactMethod,
    HelpRequest,
    HelpRequestStatus,
    PlaceKind,
    SessionForm,
)
from service.models.lti import (
    CourseMembership,
    LtiContext,
    LtiDeployment,
    LtiLaunchState,
    LtiRegistration,
    LtiResourceLink,
    RegistrationLink,
    RegistrationStatus,
)
from service.models.organisations import (
    HelpRequestMode,
    Location,
    Organisation,
    OrganisationFunctionCode,
    ResultVisibility,
    Team,
)
from service.models.outbox import NOTIFY_CHANNEL, IngestCursor, OutboxItem, OutboxKind, OutboxStatus
from service.models.people import AssignmentSource, FunctionAssignment, Person, PersonRole, RoleSource, ToolRole
from service.models.digitests import DigiTest, Item, ItemSkill, TestVersion, test_version_profiles

__all__ = [name for name in dir() if not name.startswith("_")]
