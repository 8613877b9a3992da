"""Demo data for sandbox mode: `contacts.csv`, 500 fictional contacts whose names end in "(demo)".

The numbers (+61 2 5550 0000-0499) are in a range Australia's regulator (ACMA) reserves for
use in fiction, so they pass every phone-number check and belong to nobody. The file also
imports with `wabroadcast contacts import` like any other list.
"""
