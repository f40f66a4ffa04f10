from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"

    def ready(self) -> None:
        from casework import receivers  # noqa: F401  (connects the routing receiver)
