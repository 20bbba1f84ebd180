select
    c.customer_id,
    c.name,
    c.country,
    c.signup_date,
    min(o.order_date) as first_order_date,
    count(o.order_id) as orders,
    coalesce(sum(o.amount), 0) as revenue
from {{ ref('stg_customers') }} as c
left join {{ ref('fct_orders') }} as o on o.customer_id = c.customer_id
group by c.customer_id, c.name, c.country, c.signup_date
