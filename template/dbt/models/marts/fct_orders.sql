select o.order_id, o.order_date, o.customer_id, c.country, o.amount
from {{ ref('stg_orders') }} as o
left join {{ ref('stg_customers') }} as c on c.customer_id = o.customer_id
where o.status = 'completed'
