<?php
// Test site only: no 15-second comment flood check, so the relay's tests need not wait real
// time between comments. The relay's handling of 400 comment_flood is tested on the sandbox.
add_filter('comment_flood_filter', '__return_false', 20);
