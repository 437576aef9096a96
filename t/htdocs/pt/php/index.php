<?php
// t/passthrough.t: what PHP under php-fpm is given, as a front controller
// sees it: CONTENT_LENGTH, the parsed form ($_POST), and the raw body.
header('Content-Type: text/plain');
printf("CL=%s METHOD=%s\n", $_SERVER['CONTENT_LENGTH'] ?? 'none',
       $_SERVER['REQUEST_METHOD']);
printf("POST=%s\n", http_build_query($_POST));
print file_get_contents('php://input');
