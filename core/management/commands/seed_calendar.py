"""`python manage.py seed_calendar [--year 2026 ...]`: reload holidays from chinesecalendar."""

from django.core.management.base import BaseCommand

from core.calendar import seed_from_package


class Command(BaseCommand):
    help = "Load official holidays and make-up workdays from the chinesecalendar package."

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            dest="years",
            help="A year to load (repeatable); default: every year the package covers.",
        )

    def handle(self, *args, years=None, **options):
        result = seed_from_package(years)
        if result["years"]:
            self.stdout.write(
                self.style.SUCCESS(
                    "chinesecalendar {package_version}: years {first}–{last}: "
                    "{created} created, {updated} updated, {deleted} deleted, "
                    "{kept_manual} manual rows kept, {years_created} years added.".format(
                        first=result["years"][0], last=result["years"][-1], **result
                    )
                )
            )
        for year in result["skipped_years"]:
            self.stderr.write(
                self.style.WARNING(
                    f"chinesecalendar {result['package_version']} has no data for {year}: "
                    "enter the official holidays in the admin."
                )
            )
