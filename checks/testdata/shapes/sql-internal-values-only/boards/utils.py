from django.apps import apps
from django.db import connection

PINS_TABLE = "boards_pin"


def with_pin_count(queryset, as_field="pin_count"):
    model = queryset.model
    kind = apps.get_model("contenttypes", "ContentType").objects.get_for_model(model)
    sql = """SELECT count(*) FROM boards_pin
             WHERE boards_pin.content_type_id = {kind_id}
               AND boards_pin.object_id = {table}.id"""
    sql = sql.format(kind_id=kind.id, table=model._meta.db_table)
    return queryset.extra(select={as_field: sql})


def with_is_pinned(queryset, user):
    model = queryset.model
    if user is None or user.is_anonymous:
        sql = "SELECT false"
    else:
        sql = "SELECT EXISTS(SELECT 1 FROM {pins} WHERE {pins}.user_id = {uid} AND {pins}.board_id = {tbl}.id)"
        sql = sql.format(pins=PINS_TABLE, uid=user.id, tbl=model._meta.db_table)
    return queryset.extra(select={"is_pinned": sql})


def counter_name(board):
    return "boards_counter_{}".format(board.pk)


def create_counter(name):
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE {};".format(name))


def drop_counter(name):
    with connection.cursor() as cursor:
        cursor.execute("DROP SEQUENCE IF EXISTS " + name + ";")


def row_count(model):
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM %s" % table)
        return cursor.fetchone()[0]
