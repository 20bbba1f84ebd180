select
    region,
    revenue / sum(revenue) over () as share
from {{ ref('revenue_by_region') }}
