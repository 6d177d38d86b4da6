from django.conf import settings
from django.core.management.base import BaseCommand

from catalog.embedding import model_export


class Command(BaseCommand):
    help = (
        "Export the embedding model for its ONNX backend into EMBEDDING_EXPORT_DIR, once "
        "(make install runs it), so that no first start spends the CPU on it while embedding."
    )
    requires_system_checks = []  # reads model files only: nothing for the checks to check

    def handle(self, *args, **options) -> None:
        folder, exported = model_export()
        if folder is None:
            self.stdout.write(f"EMBEDDING_BACKEND={settings.EMBEDDING_BACKEND}: nothing to export.")
        elif exported:
            self.stdout.write(f"Exported the embedding model to {folder}")
        else:
            self.stdout.write(f"The embedding model is already exported: {folder}")
