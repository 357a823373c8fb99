from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "bench.reference"
    label = "bench_reference"
