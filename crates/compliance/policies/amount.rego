# A single order whose notional is over the limit of its quote asset is denied. The
# limits are data (`data.bourse.limits.order_notional_max`): by role first, then the
# default, per quote asset in whole units (`*`: any other asset); an asset without a
# limit is not limited.
package bourse.policies.amount

import rego.v1

limit := l if {
	l := data.bourse.limits.order_notional_max.roles[input.user.role][input.order.quote_asset]
} else := l if {
	l := data.bourse.limits.order_notional_max.default[input.order.quote_asset]
} else := l if {
	l := data.bourse.limits.order_notional_max.default["*"]
}

deny contains msg if {
	input.action in data.bourse.lib.order_actions
	not data.bourse.lib.exempt
	input.order.notional_minor > limit * input.order.quote_unit
	msg := sprintf("the order's notional of %s %s is over the limit of %d %s", [input.order.notional, input.order.quote_asset, limit, input.order.quote_asset])
}
