from rest_framework import serializers

from jobs.models import Job


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=Job.Kind.choices, read_only=True)
    state = serializers.ChoiceField(choices=Job.State.choices, read_only=True)
    description = serializers.CharField(read_only=True)
    progress_done = serializers.IntegerField(read_only=True)
    progress_total = serializers.IntegerField(read_only=True, allow_null=True)
    percent = serializers.IntegerField(read_only=True, allow_null=True)
    message = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    started_at = serializers.DateTimeField(read_only=True, allow_null=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)
