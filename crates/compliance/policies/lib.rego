# Helpers the default policies share.
package bourse.lib

import rego.v1

# Orders and amendments: the actions an order's limits apply to.
order_actions := {"place_order", "amend_order"}

# The venue's own accounts (the simulator's market makers), listed in the data.
exempt if input.user.id in data.bourse.exempt_users
