from django.db import connection


def _order_clause(column):
    return " ORDER BY %s DESC" % column


def top_customers(limit, order_by):
    sql = "SELECT customer_id, SUM(total) AS spent FROM sales_order GROUP BY customer_id"
    sql += _order_clause(order_by)
    sql += " LIMIT %d" % limit
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def totals_for_region(region):
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(total) FROM sales_order WHERE region = %s", [region])
        return cursor.fetchone()


def archive_table(name):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE {} RENAME TO {}_old".format(name, name))
