from django.urls import path

from knowledgebase import api

urlpatterns = [
    path("topics/", api.TopicListView.as_view(), name="topic-list"),
    path("areas/", api.LocalAuthorityListView.as_view(), name="area-list"),
]
