"""`yiyang adduser`: create an account with a role and a scope region."""

import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yiyang.core.choices import Role
from yiyang.core.models import Organisation, Region, User
from yiyang.elders.forms import validate_phone


class Command(BaseCommand):
    help = "Create a user with a role, a scope region and (for provider staff) an organisation."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--region", required=True, help="scope region code (12 digits)")
        parser.add_argument("--organisation", help="organisation name, for provider staff")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--phone", default="",
                            help="mobile or landline, for alarm escalation (stored encrypted)")
        parser.add_argument("--password", help="omit to be asked (safer than the command line)")

    def handle(self, *args, username, role, region, organisation, full_name, phone, password, **options):
        if User.objects.filter(username=username).exists():
            raise CommandError(f"user {username!r} already exists")
        scope = Region.objects.filter(code=region).first()
        if scope is None:
            raise CommandError(f"no region with code {region!r}")
        org = None
        if organisation:
            org = Organisation.objects.filter(name=organisation).first()
            if org is None:
                raise CommandError(f"no organisation named {organisation!r}")
        if phone:
            try:
                phone = validate_phone(phone)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        password = password or getpass.getpass("Password: ")
        user = User(username=username, role=role, scope_region=scope, organisation=org,
                    full_name=full_name)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        user.set_password(password)
        if phone:
            user.set_phone(phone)
        user.save()
        self.stdout.write(f"Created {username} ({Role(role).label}, {scope.name}).")
