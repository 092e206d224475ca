"""Who may do what: permissions are data, read by core.scoping, never scattered ifs."""

from yiyang.core.choices import Action, PersonalField, Role

_ALL_ACTIONS = frozenset(Action.values)
_WORKER_ACTIONS = frozenset({
    Action.VIEW, Action.ADD, Action.CHANGE, Action.SET_STATUS, Action.EXPORT, Action.IMPORT,
    Action.VIEW_DASHBOARD, Action.MANAGE_DEVICES, Action.ORDER_SERVICES,
})
_READ = frozenset({Action.VIEW})

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.BUREAU_ADMIN: _ALL_ACTIONS - {Action.PROVIDE_SERVICES, Action.VISIT},
    Role.TOWN_WORKER: _WORKER_ACTIONS,
    Role.VILLAGE_WORKER: _WORKER_ACTIONS,
    Role.PROVIDER_ADMIN: _READ | {Action.PROVIDE_SERVICES},
    Role.CAREGIVER: _READ | {Action.VISIT},
    Role.OPERATOR: _READ | {Action.HANDLE_ALARMS, Action.ORDER_SERVICES},
    Role.FAMILY: _READ | {Action.ORDER_SERVICES},
    Role.VOLUNTEER: _READ,
}

_ALL_FIELDS = frozenset(PersonalField.values)
_CONTACT = frozenset({PersonalField.PHONE, PersonalField.ADDRESS})

# Which personal fields a role may unmask (each reveal is audited).
ROLE_REVEALS: dict[str, frozenset[str]] = {
    Role.BUREAU_ADMIN: _ALL_FIELDS,
    Role.TOWN_WORKER: _ALL_FIELDS,
    Role.VILLAGE_WORKER: _ALL_FIELDS,
    Role.PROVIDER_ADMIN: _CONTACT,
    Role.CAREGIVER: _CONTACT,
    Role.OPERATOR: _CONTACT,
    Role.FAMILY: _ALL_FIELDS,
    Role.VOLUNTEER: frozenset(),
}

# Roles whose scope is a region subtree; the others see elders granted to them.
REGION_SCOPED_ROLES = frozenset(
    {Role.BUREAU_ADMIN, Role.TOWN_WORKER, Role.VILLAGE_WORKER, Role.OPERATOR}
)
