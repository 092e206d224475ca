from django.db import migrations, models


def seal_phones(apps, schema_editor):
    from yiyang.core import crypto
    from yiyang.lib import masking

    Caregiver = apps.get_model("services", "Caregiver")
    for caregiver in Caregiver.objects.exclude(phone="").only("pk", "phone").iterator():
        Caregiver.objects.filter(pk=caregiver.pk).update(
            phone_enc=crypto.seal(caregiver.phone), phone_masked=masking.mask_phone(caregiver.phone))


def unseal_phones(apps, schema_editor):
    from yiyang.core import crypto

    Caregiver = apps.get_model("services", "Caregiver")
    for caregiver in Caregiver.objects.exclude(phone_enc="").only("pk", "phone_enc").iterator():
        Caregiver.objects.filter(pk=caregiver.pk).update(phone=crypto.unseal(caregiver.phone_enc))


class Migration(migrations.Migration):
    """Caregivers' phones are personal data: sealed and shown masked like elders' phones."""

    dependencies = [
        ("services", "0006_fewer_order_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="caregiver",
            name="phone_enc",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="caregiver",
            name="phone_masked",
            field=models.CharField(blank=True, editable=False, max_length=20, verbose_name="phone"),
        ),
        migrations.RunPython(seal_phones, unseal_phones),
        migrations.RemoveField(
            model_name="caregiver",
            name="phone",
        ),
    ]
