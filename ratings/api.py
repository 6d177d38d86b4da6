"""Ratings endpoints: "download my data"."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ratings.api_serializers import DataExportSerializer
from ratings.selectors import user_data_export


class MeExportView(APIView):
    @extend_schema(
        summary="Download all your data (JSON)",
        description="The same document as the website's JSON download.",
        responses=DataExportSerializer,
    )
    def get(self, request: Request) -> Response:
        return Response(DataExportSerializer(user_data_export(user=request.user)).data)
