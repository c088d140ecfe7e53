from django.urls import path

from . import views

app_name = "deals"
urlpatterns = [
    path("", views.deal_list, name="list"),
    path("new/", views.deal_create, name="create"),
    path("board/", views.deal_board, name="board"),
    path("board/move/", views.deal_board_move, name="board_move"),
    path("<int:pk>/", views.deal_detail, name="detail"),
    path("<int:pk>/edit/", views.deal_edit, name="edit"),
    path("<int:pk>/stage/", views.deal_stage, name="stage"),
    path("<int:pk>/delete/", views.deal_delete, name="delete"),
]
