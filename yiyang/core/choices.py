from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    CITY = 2, _("City")
    COUNTY = 3, _("County")
    TOWN = 4, _("Town / street")
    VILLAGE = 5, _("Village / community")


class Role(models.TextChoices):
    BUREAU_ADMIN = "bureau_admin", _("Bureau administrator")
    TOWN_WORKER = "town_worker", _("Town worker")
    VILLAGE_WORKER = "village_worker", _("Village / community worker")
    PROVIDER_ADMIN = "provider_admin", _("Provider administrator")
    CAREGIVER = "caregiver", _("Caregiver")
    OPERATOR = "operator", _("Call-centre operator")
    FAMILY = "family", _("Family member")
    VOLUNTEER = "volunteer", _("Volunteer")


class Action(models.TextChoices):
    VIEW = "view", _("View")
    ADD = "add", _("Add")
    CHANGE = "change", _("Change")
    SET_STATUS = "set_status", _("Mark moved or deceased")
    EXPORT = "export", _("Export")
    VIEW_AUDIT = "view_audit", _("Browse the audit log")
    IMPORT = "import", _("Import ledgers")
    VIEW_DASHBOARD = "view_dashboard", _("View the dashboard and reports")
    HANDLE_ALARMS = "handle_alarms", _("Handle alarms")
    MANAGE_DEVICES = "manage_devices", _("Register and manage devices")
    ORDER_SERVICES = "order_services", _("Order home-care services")
    MANAGE_SERVICES = "manage_services", _("Run home-care services (catalogue, schemes, review, settlement)")
    PROVIDE_SERVICES = "provide_services", _("Accept and assign service orders")
    VISIT = "visit", _("Carry out service visits")
    MANAGE_ACCOUNTS = "manage_accounts", _("Manage the accounts of the area")


class PersonalField(models.TextChoices):
    ID_NUMBER = "id_number", _("ID number")
    PHONE = "phone", _("Phone")
    ADDRESS = "address", _("Address")


class OrganisationKind(models.TextChoices):
    BUREAU = "bureau", _("Civil-affairs bureau")
    PROVIDER = "provider", _("Service provider")
    CALL_CENTRE = "call_centre", _("Call centre")


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Login failed")
    LOGOUT = "logout", _("Logged out")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    STATUS = "status", _("Status changed")
    REVEAL = "reveal", _("Revealed personal data")
    EXPORT = "export", _("Exported")
    TOKEN = "token", _("Issued an API token")
