/* Copyright 2026 The mod_require_precondition authors
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

/* valgrind-nodlclose.c: a dlclose() that keeps the library loaded.
 *
 * httpd unloads its modules when it exits (a cleanup of the configuration
 * pool), before valgrind writes its leak report, so every frame in a module
 * prints as "???" and no report can be told apart from another. t/run.sh
 * (VALGRIND=1) preloads this into apache2 so that the module names and
 * functions stay in the stacks and tools/valgrind.supp can name them.
 */
int dlclose(void *handle);

int dlclose(void *handle)
{
    (void)handle;
    return 0;
}
