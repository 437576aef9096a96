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
