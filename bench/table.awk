# One BENCH line (tab-separated: BENCH, benchmark, backend, threads, ops_per_s, baseline_name,
# baseline_ops_per_s) → one Markdown table row with the ratio ops/s ÷ baseline ops/s. Rates get
# a k/M/G suffix; numbers keep about three significant digits; malformed lines become a visible
# row rather than vanishing.

function digits3(v) {
    if (v >= 100) return sprintf("%.0f", v)
    if (v >= 10) return sprintf("%.1f", v)
    if (v >= 1) return sprintf("%.2f", v)
    return sprintf("%.3g", v)
}

function rate(x) {
    if (x >= 1e9) return digits3(x / 1e9) " G"
    if (x >= 1e6) return digits3(x / 1e6) " M"
    if (x >= 1e3) return digits3(x / 1e3) " k"
    return digits3(x)
}

function number(s) {
    return s ~ /^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/
}

$1 == "BENCH" {
    if (NF != 7 || !number($5) || !number($7)) {
        printf "| malformed BENCH line: %s | | | | | | |\n", $0
        next
    }
    ratio = $7 > 0 ? digits3($5 / $7) : "–"
    printf "| %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, rate($5), $6, rate($7), ratio
}
