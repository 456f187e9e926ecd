"""Each site becomes a hospital's site in its trial: a hospital per distinct (name, city) of the sites."""

from django.db import migrations


def sites_to_hospitals(apps, schema_editor):
    Site = apps.get_model("trial", "Site")
    Hospital = apps.get_model("trial", "Hospital")
    for site in Site.objects.order_by("pk"):
        hospital, _created = Hospital.objects.get_or_create(
            name=site.name, city=site.city,
            defaults={"time_zone": site.time_zone, "default_language": site.default_language},
        )
        site.hospital = hospital
        site.save(update_fields=["hospital"])


class Migration(migrations.Migration):
    dependencies = [("trial", "0010_hospital")]

    operations = [migrations.RunPython(sites_to_hospitals, migrations.RunPython.noop)]
