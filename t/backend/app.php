<?php
/*
 * Copyright 2026 The mod_require_precondition authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/*
 * The front controller of the php-fpm recipe (docs/backends.md, run by
 * t/recipes.t as index.php): a hand-written document store that, as most
 * do, gives no ETag and ignores If-Match and its cousins. The document is
 * the request's PATH_INFO, a file under data/ beside this script.
 *
 *     GET, HEAD   200 with the document, 404
 *     PUT         201 (created), 204 (replaced)
 *     DELETE      204, 404
 *
 * Every write applied is appended to data/.writes as "METHOD /path": the
 * backend's own record, which shows that a request never reached it.
 */
$store = __DIR__ . '/data';
$path = $_SERVER['PATH_INFO'] ?? '';
header('Content-Type: text/plain');
if (!preg_match('{^(/[A-Za-z0-9_-][A-Za-z0-9._-]*)+$}', $path)) {
    http_response_code(400);
    exit("bad path\n");
}
$file = $store . $path;
$method = $_SERVER['REQUEST_METHOD'];

function applied($store, $method, $path)
{
    file_put_contents("$store/.writes", "$method $path\n", FILE_APPEND | LOCK_EX);
}

switch ($method) {
case 'GET':
case 'HEAD':
    if (!is_file($file)) {
        http_response_code(404);
        exit("no such document\n");
    }
    readfile($file);
    break;
case 'PUT':
    $existed = is_file($file);
    file_put_contents($file, file_get_contents('php://input'), LOCK_EX);
    applied($store, $method, $path);
    http_response_code($existed ? 204 : 201);
    break;
case 'DELETE':
    if (!is_file($file)) {
        http_response_code(404);
        exit("no such document\n");
    }
    unlink($file);
    applied($store, $method, $path);
    http_response_code(204);
    break;
default:
    header('Allow: GET, HEAD, PUT, DELETE');
    http_response_code(405);
}
