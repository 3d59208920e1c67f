# Restricted instruments take no orders; restricted users may do nothing the gate
# decides. Both lists are data (`data.bourse.restricted`).
package bourse.policies.restricted

import rego.v1

deny contains msg if {
	input.action in data.bourse.lib.order_actions
	input.order.symbol in data.bourse.restricted.symbols
	msg := sprintf("%s is restricted: it takes no orders", [input.order.symbol])
}

deny contains msg if {
	input.user.id in data.bourse.restricted.users
	msg := sprintf("user %d is restricted", [input.user.id])
}
