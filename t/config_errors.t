# Copyright 2026 The mod_require_precondition authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# A bad directive argument stops `apache2 -t` with a message that names the
# directive and the value; a good configuration passes.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test;
use Apache::TestUtil qw(t_cmp);
use File::Path qw(make_path);
use RPTest;

my $vars = Apache::Test::vars();
my $dir = "$vars->{t_logs}/config_errors";
make_path($dir);

# Spool folders: one closed to the server's account, and a plain file.
my $closed = "$dir/spool-closed";
make_path($closed);
chmod 0555, $closed;
my $plain = "$dir/spool-file";
open my $pf, '>', $plain or die "$plain: $!";
close $pf;
# A server-context line after serialization is turned on.
sub spool_dir { return "RequirePreconditionSerialize On\n</Location>\n"
                . "RequirePreconditionSpoolDir $_[0]\n<Location /guarded/>" }

# [directive line, what the message must say]
my @bad = (
    ['RequirePrecondition Maybe', qr/RequirePrecondition: 'Maybe' is not one of On, Off, ReportOnly/],
    ['RequirePrecondition 1', qr/RequirePrecondition: '1'/],
    ['RequirePrecondition', qr/RequirePrecondition takes one argument/],
    ['RequirePrecondition On Off', qr/RequirePrecondition takes one argument/],
    ['RequirePreconditionMethods', qr/RequirePreconditionMethods: at least one method/],
    ['RequirePreconditionMethods PUT "BAD METHOD"', qr/RequirePreconditionMethods: 'BAD METHOD' is not a method/],
    ['RequirePreconditionMethods PUT,DELETE', qr/RequirePreconditionMethods: 'PUT,DELETE' is not a method/],
    ['RequirePreconditionMethods PUT (DELETE)', qr/RequirePreconditionMethods: '\(DELETE\)' is not a method/],
    ['RequirePreconditionMethods "P\xc3\x9cT"', qr/RequirePreconditionMethods: 'P\S+T' is not a method/],
    ['RequirePreconditionHeaders', qr/RequirePreconditionHeaders: at least one header/],
    ['RequirePreconditionHeaders If-Match If-Modified-Since', qr/RequirePreconditionHeaders: 'If-Modified-Since' cannot make a write conditional: httpd ignores it on unsafe methods/],
    ['RequirePreconditionHeaders If-Range', qr/RequirePreconditionHeaders: 'If-Range' cannot make a write conditional/],
    ['RequirePreconditionHeaders X-Version', qr/RequirePreconditionHeaders: 'X-Version' is not a precondition header/],
    ['RequirePreconditionHeaders If-Match,If-None-Match', qr/RequirePreconditionHeaders: 'If-Match,If-None-Match' is not a precondition header/],
    ['RequirePreconditionSerialize Yes', qr/RequirePreconditionSerialize must be On or Off/],
    ['RequirePreconditionSerialize', qr/RequirePreconditionSerialize must be On or Off/],
    ['RequirePreconditionSerializeTimeout 0', qr/RequirePreconditionSerializeTimeout: '0' is not a number of seconds greater than 0 and at most 3600/],
    ['RequirePreconditionSerializeTimeout -1', qr/RequirePreconditionSerializeTimeout: '-1' is not a number of seconds/],
    ['RequirePreconditionSerializeTimeout 10s', qr/RequirePreconditionSerializeTimeout: '10s' is not a number of seconds/],
    ['RequirePreconditionSerializeTimeout 3601', qr/RequirePreconditionSerializeTimeout: '3601' is not a number of seconds/],
    ['RequirePreconditionSerializeTimeout 1e3', qr/RequirePreconditionSerializeTimeout: '1e3' is not a number of seconds/],
    ['RequirePreconditionSerializeTimeout .', qr/RequirePreconditionSerializeTimeout: '\.' is not a number of seconds/],
    ['RequirePreconditionAcceptIfMatchStar Maybe', qr/RequirePreconditionAcceptIfMatchStar must be On or Off/],
    ['RequirePreconditionAcceptIfMatchStar', qr/RequirePreconditionAcceptIfMatchStar must be On or Off/],
    ['RequirePreconditionMethods PUT delete', qr/RequirePreconditionMethods: 'delete' is not a method: methods are case-sensitive; did you mean DELETE\?/],
    ['RequirePreconditionMethods Patch', qr/RequirePreconditionMethods: 'Patch' is not a method: methods are case-sensitive; did you mean PATCH\?/],
    ['RequirePreconditionSpoolLimit -1', qr/RequirePreconditionSpoolLimit: '-1' is not a number of bytes from 0 \(no spool\)/],
    ['RequirePreconditionSpoolLimit 16M', qr/RequirePreconditionSpoolLimit: '16M' is not a number of bytes/],
    ['RequirePreconditionSpoolLimit 1e6', qr/RequirePreconditionSpoolLimit: '1e6' is not a number of bytes/],
    ['RequirePreconditionSpoolLimit 99999999999999999999', qr/RequirePreconditionSpoolLimit: '99999999999999999999' is not a number of bytes/],
    ['RequirePreconditionSpoolLimit', qr/RequirePreconditionSpoolLimit takes one argument/],
    ['RequirePreconditionEvaluate On', qr/RequirePreconditionEvaluate: 'On' is not Off, Backend or Digest/],
    ['RequirePreconditionEvaluate backends', qr/RequirePreconditionEvaluate: 'backends' is not Off, Backend or Digest/],
    ['RequirePreconditionEvaluate', qr/RequirePreconditionEvaluate takes one argument/],
    ['RequirePreconditionDigestLimit 0', qr/RequirePreconditionDigestLimit: '0' is not a number of bytes from 1 to 1073741824/],
    ['RequirePreconditionDigestLimit 1M', qr/RequirePreconditionDigestLimit: '1M' is not a number of bytes/],
    ['RequirePreconditionDigestLimit 1073741825', qr/RequirePreconditionDigestLimit: '1073741825' is not a number of bytes/],
    ['RequirePreconditionDigestLimit 99999999999999999999', qr/RequirePreconditionDigestLimit: '99999999999999999999' is not a number of bytes/],
    ['RequirePreconditionSpoolDir /tmp', qr/RequirePreconditionSpoolDir not allowed in <Location> context/],
    [spool_dir("$dir/no-such-folder"), qr/RequirePreconditionSpoolDir \S+no-such-folder cannot hold the bodies of serialized writes: it cannot be found/],
    [spool_dir($plain), qr/RequirePreconditionSpoolDir \S+spool-file cannot hold the bodies of serialized writes: not a folder/],
    [spool_dir($closed), qr/RequirePreconditionSpoolDir \S+spool-closed cannot hold the bodies of serialized writes: .*Permission denied/],
);
my @good = (
    'RequirePrecondition On',
    'RequirePrecondition off',
    'RequirePrecondition ReportOnly',
    'RequirePreconditionMethods PUT PATCH DELETE MKCOL MOVE COPY PROPPATCH LOCK UNLOCK',
    'RequirePreconditionMethods BREW',
    'RequirePreconditionHeaders If-Match',
    'RequirePreconditionHeaders if-match IF-NONE-MATCH If-Unmodified-Since If',
    'RequirePreconditionSerialize On',
    'RequirePreconditionSerialize off',
    'RequirePreconditionSerializeTimeout 0.25',
    'RequirePreconditionSerializeTimeout 3600',
    'RequirePreconditionAcceptIfMatchStar On',
    'RequirePreconditionAcceptIfMatchStar off',
    'RequirePreconditionMethods brew',
    'RequirePreconditionSpoolLimit 0',
    'RequirePreconditionSpoolLimit 16777216',
    'RequirePreconditionEvaluate Off',
    'RequirePreconditionEvaluate backend',
    'RequirePreconditionEvaluate Digest',
    'RequirePreconditionDigestLimit 1',
    'RequirePreconditionDigestLimit 1073741824',
    spool_dir($dir),
);

plan tests => 2 * @bad + @good + 8;

my $n = 0;
sub check {
    my $line = shift;
    $n++;
    my $conf = "$dir/c$n.conf";
    open my $fh, '>', $conf or die "$conf: $!";
    print $fh <<"CONF";
ServerRoot "$vars->{t_dir}"
Include "$vars->{t_conf}/modules.conf"
LoadModule require_precondition_module "$vars->{t_dir}/../.libs/mod_require_precondition.so"
PidFile "$dir/c$n.pid"
ErrorLog "$dir/c$n.error_log"
Listen 127.0.0.1:1
<Location /guarded/>
    $line
</Location>
CONF
    close $fh;
    my $out = `$vars->{httpd} -t -f $conf 2>&1`;
    return ($? >> 8, $out);
}

for my $b (@bad) {
    my ($rc, $out) = check($b->[0]);
    ok t_cmp($rc, 1, "apache2 -t refuses: $b->[0]");
    ok t_cmp($out, $b->[1], "message for: $b->[0]");
}
for my $g (@good) {
    my ($rc, $out) = check($g);
    ok t_cmp($rc, 0, "apache2 -t accepts: $g") or print "# $out";
}

# What an admin copies from conf/ parses as it is.
for my $f (qw(example-location.conf require_precondition.conf)) {
    my ($rc, $out) = check(qq(</Location>\nDefine APACHE_LOG_DIR "$dir"\n)
                           . qq(Include "$vars->{t_dir}/../conf/$f"\n)
                           . '<Location /guarded/>');
    ok t_cmp($rc, 0, "conf/$f passes apache2 -t") or print "# $out";
}

# 'put' would be a new method no client sends, leaving PUT unguarded.
my ($rc, $out) = check('RequirePreconditionMethods put');
ok t_cmp("$rc $out",
         qr/^[1-9]\d* .*RequirePreconditionMethods: 'put' is not a method: methods are case-sensitive; did you mean PUT\?/s,
         'lower-case standard method: refused, naming the intended one');

# mod_actions' Script for a guarded method in a guarded section hands those
# writes to a script judged under its own URL: apache2 -t warns.
chomp(my $libexec = `$ENV{APXS} -q LIBEXECDIR`);
my $actions = "</Location>\nLoadModule actions_module $libexec/mod_actions.so\n"
            . "<Location /guarded/>\n";
($rc, $out) = check($actions . "RequirePrecondition On\nScript PUT /cgi-bin/put.cgi");
ok t_cmp("$rc $out",
         qr{^0 .*RP00082: Script PUT /cgi-bin/put\.cgi in <Location /guarded/> \(\S+:\d+\): the script writes what RequirePrecondition guards here, but is judged under the configuration of its own URL /cgi-bin/put\.cgi: guard that URL too}s,
         'apache2 -t warns of Script PUT in a guarded section');
($rc, $out) = check($actions . "RequirePrecondition On\nScript GET /cgi-bin/get.cgi");
ok t_cmp("$rc " . ($out =~ /RP00082/ ? 'warned' : 'quiet'), '0 quiet',
         'no warning for Script GET, which is not guarded');
($rc, $out) = check($actions . "RequirePrecondition Off\nScript PUT /cgi-bin/put.cgi");
ok t_cmp("$rc " . ($out =~ /RP00082/ ? 'warned' : 'quiet'), '0 quiet',
         'no warning where the rule is off');

# In .htaccess an unknown method cannot be registered: a 500 and a message.
my $mark = log_lines('error_log');
my $res = req(GET => '/htaccess-bad/index.txt');
ok t_cmp($res->code, 500, '.htaccess naming an unknown method: 500');
ok t_cmp(join('', wait_for_log('error_log', $mark, qr/BREW/)),
         qr/RequirePreconditionMethods: 'BREW' is not a method httpd knows/,
         '.htaccess naming an unknown method: error_log says why');
