# Helpers for guest tests (sourced). expect_eq NAME GOT WANT fails the
# test with both values shown.
expect_eq() {
	if [ "$2" != "$3" ]; then
		echo "$1: got [$2], want [$3]"
		exit 1
	fi
}
