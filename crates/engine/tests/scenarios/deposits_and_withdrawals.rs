//! Scenarios: deposits and withdrawals.

use super::*;

#[test]
fn two_phase_deposits_and_withdrawals() {
    check_from(
        "",
        "
        deposit u4 USD 100 x1
        deposit u4 USD 50 pending x2
        ? u4
        post x2 30
        ? u4
        withdraw u4 USD 20 pending x3
        ? u4
        void x3
        withdraw u4 USD 200 x4
        withdraw u4 USD 130 x5
        ? u4
        post x2
        deposit u4 USD 10 x3
        post x6 0
        deposit u4 USD 0 x7
        ",
        "
        x1 deposit u4 100.00 USD posted
        x2 deposit u4 50.00 USD pending
        u4 USD 100.00 held 0.00
        x2 deposit u4 30.00 USD posted
        u4 USD 130.00 held 0.00
        x3 withdrawal u4 20.00 USD pending
        u4 USD 110.00 held 20.00
        x3 withdrawal u4 20.00 USD voided
        rejected Withdraw INSUFFICIENT_FUNDS
        x5 withdrawal u4 130.00 USD posted
        u4 USD 0.00 held 0.00
        rejected PostTransfer UNKNOWN_TRANSFER
        rejected Deposit DUPLICATE_TRANSFER_ID
        rejected PostTransfer UNKNOWN_TRANSFER
        rejected Deposit INVALID_AMOUNT
        ",
    );
}

#[test]
fn internal_transfers_move_available_funds_between_owners() {
    check_from(
        "",
        "
        deposit u4 USD 100 x1
        move u4 u5 USD 30 x2
        ? u4
        ? u5
        move u5 u4 USD 31 x3
        move u4 u4 USD 1 x4
        move u4 u5 USD 1 x2
        move u6 u4 USD 1 x5
        move u4 u5 USD 0 x6
        withdraw u4 USD 50 pending x9
        move u4 u5 USD 50 x7
        move u4 u5 USD 20 x8
        ? u4
        ? u5
        ",
        "
        x1 deposit u4 100.00 USD posted
        x2 moved 30.00 USD from u4 to u5
        u4 USD 70.00 held 0.00
        u5 USD 30.00 held 0.00
        rejected Transfer INSUFFICIENT_FUNDS
        rejected Transfer SAME_ACCOUNT
        rejected Transfer DUPLICATE_TRANSFER_ID
        rejected Transfer UNKNOWN_ACCOUNT
        rejected Transfer INVALID_AMOUNT
        x9 withdrawal u4 50.00 USD pending
        rejected Transfer INSUFFICIENT_FUNDS
        x8 moved 20.00 USD from u4 to u5
        u4 USD 0.00 held 50.00
        u5 USD 50.00 held 0.00
        ",
    );
}

#[test]
fn posting_more_than_pending_is_refused() {
    check_from(
        "",
        "
        deposit u4 USD 50 pending x2
        post x2 60
        post x2 50
        ",
        "
        x2 deposit u4 50.00 USD pending
        rejected PostTransfer INVALID_AMOUNT
        x2 deposit u4 50.00 USD posted
        ",
    );
}

#[test]
fn accounts_open_once_and_only_for_users() {
    check(
        "
        open u4
        open u4
        open u18446744073709551615
        limits owners=4
        open u5
        deposit u6 USD 1
        ",
        "
        opened u4
        rejected OpenAccount ACCOUNT_EXISTS
        rejected OpenAccount RESERVED_ACCOUNT
        limits changed
        rejected OpenAccount CAPACITY_EXCEEDED
        rejected Deposit CAPACITY_EXCEEDED
        ",
    );
}
