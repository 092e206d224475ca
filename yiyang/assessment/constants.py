"""Who may do what with assessments, and the re-assessment defaults: data, read by
yiyang.assessment.access and yiyang.assessment.schedule."""

from yiyang.assessment.choices import AssessmentAction as A
from yiyang.core.choices import Action, Role

ASSESSMENT_ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.BUREAU_ADMIN: frozenset({A.VIEW, A.ASSESS, A.APPROVE, A.REPORT_CONDITION}),
    Role.TOWN_WORKER: frozenset({A.VIEW, A.ASSESS, A.APPROVE, A.REPORT_CONDITION}),
    Role.VILLAGE_WORKER: frozenset({A.VIEW, A.ASSESS, A.REPORT_CONDITION}),
    # Those who care for a granted elder see the result and report changes of condition.
    Role.PROVIDER_ADMIN: frozenset({A.VIEW, A.REPORT_CONDITION}),
    Role.CAREGIVER: frozenset({A.VIEW, A.REPORT_CONDITION}),
    Role.FAMILY: frozenset({A.VIEW, A.REPORT_CONDITION}),
    Role.OPERATOR: frozenset(),
    Role.VOLUNTEER: frozenset(),
}

# The registry right the elder must also be within for each assessment action:
# assessing and approving change the elder's record, the others only read it.
ELDER_ACTION = {
    A.VIEW: Action.VIEW,
    A.ASSESS: Action.CHANGE,
    A.APPROVE: Action.CHANGE,
    A.REPORT_CONDITION: Action.VIEW,
}

# Defaults; a deployment overrides them in settings (YIYANG_REASSESSMENT_*).
REASSESSMENT_MONTHS = 12
CONDITION_CHANGE_DAYS = 30
DUE_SOON_DAYS = 30
FOUR_EYES = True
