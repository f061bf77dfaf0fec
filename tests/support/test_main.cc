// The one translation unit that defines Boost.Test's main(); every test executable
// links it, so test files only include <boost/test/unit_test.hpp> (which lets them
// share one precompiled header).
#define BOOST_TEST_MODULE wardsoc
#include <boost/test/unit_test.hpp>
