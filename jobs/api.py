"""Staff endpoints for background jobs."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from jobs.api_serializers import JobSerializer
from jobs.models import Job
from jobs.selectors import job_list


class JobListView(GenericAPIView):
    """Background jobs (imports, embedding, training), newest first."""

    permission_classes = [IsAdminUser]

    @extend_schema(summary="Background jobs (staff only)", responses=JobSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(JobSerializer(page, many=True).data)

    def get_queryset(self) -> QuerySet[Job]:
        return job_list()
