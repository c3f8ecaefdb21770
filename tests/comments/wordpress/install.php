<?php
// Sets up the relay's WordPress (Debian's package) once and prints what the tests need as JSON:
// the site, a low-privilege account with a fresh Application Password, a post saved as a
// draft first (guid "?p=ID"), a post created published (guid = permalink), a draft.
// Run by .ci/wordpress with WP_HOST=127.0.0.1:<port>; idempotent.

$host = getenv('WP_HOST');
$_SERVER['HTTP_HOST'] = $host;
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_NAME'] = '127.0.0.1';
define('WP_INSTALLING', true);
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
add_filter('pre_wp_mail', '__return_false');  // no mail server: the install's welcome mail

$url = 'http://' . $host;
if (!is_blog_installed()) {
    wp_install('Kon Tum (relay tests)', 'admin', 'admin@example.com', false, '', wp_generate_password(24));
}
update_option('siteurl', $url);
update_option('home', $url);
update_option('comment_registration', 0);

function newsbot_post($slug, $title, $status, $draft_first) {
    $found = get_posts(['name' => $slug, 'post_type' => 'post', 'post_status' => 'any', 'numberposts' => 1]);
    if ($found) {
        return $found[0]->ID;
    }
    $id = wp_insert_post([
        'post_title' => $title, 'post_name' => $slug, 'post_content' => 'Nội dung kiểm thử.',
        'post_status' => $draft_first ? 'draft' : $status, 'comment_status' => 'open',
    ], true);
    if ($draft_first && $status === 'publish') {
        wp_publish_post($id);
    }
    return $id;
}

// Plain permalinks while the draft-first post is made: its guid is "?p=ID", as on the station.
update_option('permalink_structure', '');
$draft_first = newsbot_post('binh-luan-guid-p', 'Bài có guid ?p=ID', 'publish', true);
// Pretty permalinks for /wp-json/ and for a post whose guid is its permalink.
update_option('permalink_structure', '/%postname%/');
flush_rewrite_rules(false);
$published = newsbot_post('binh-luan-permalink', 'Bài có guid là đường dẫn', 'publish', false);
$draft = newsbot_post('binh-luan-nhap', 'Bài nháp', 'draft', false);

$user = get_user_by('login', 'newsbot-relay');
$user_id = $user ? $user->ID : wp_insert_user([
    'user_login' => 'newsbot-relay', 'user_pass' => wp_generate_password(24),
    'user_email' => 'relay@example.com', 'role' => 'subscriber', 'display_name' => 'Newsbot',
]);
// Stored application passwords are hashed: make a fresh one for this run.
WP_Application_Passwords::delete_all_application_passwords($user_id);
$created = WP_Application_Passwords::create_new_application_password($user_id, ['name' => 'newsbot-tests']);
if (is_wp_error($created)) {
    fwrite(STDERR, $created->get_error_message() . "\n");
    exit(1);
}
echo json_encode([
    'url' => $url,
    'user' => 'newsbot-relay',
    'password' => $created[0],
    'post_guid' => get_post($draft_first)->guid,
    'post_id' => $draft_first,
    'permalink_post_guid' => get_post($published)->guid,
    'permalink_post_url' => get_permalink($published),
    'permalink_post_id' => $published,
    'draft_id' => $draft,
    'version' => get_bloginfo('version'),
]), "\n";
