from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "questions"
    verbose_name = "Checkout questions"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from questions.models import Question
        from questions.signals import keep_event_flag

        post_save.connect(keep_event_flag, sender=Question, dispatch_uid="questions.keep_event_flag.save")
        post_delete.connect(keep_event_flag, sender=Question, dispatch_uid="questions.keep_event_flag.delete")
