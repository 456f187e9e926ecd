"""A site's default reference ranges become its hospital's."""

from django.db import migrations


def ranges_to_hospitals(apps, schema_editor):
    ReferenceRange = apps.get_model("screening", "ReferenceRange")
    Site = apps.get_model("trial", "Site")
    for site in Site.objects.all():
        ReferenceRange.objects.filter(site=site).update(hospital_id=site.hospital_id)


class Migration(migrations.Migration):
    dependencies = [("screening", "0013_reference_range_hospital"), ("trial", "0012_site_fields_from_hospital")]

    operations = [migrations.RunPython(ranges_to_hospitals, migrations.RunPython.noop)]
