WITH "orders_facts" AS (
  SELECT
    SUM(CASE WHEN "orders"."status" = 'completed' THEN "orders"."net_amount" END) AS "completed_net_amount"
  FROM "orders"
)
SELECT
  COALESCE("orders_facts"."completed_net_amount", 0) AS "revenue"
FROM "orders_facts"
ORDER BY
  "revenue" DESC
