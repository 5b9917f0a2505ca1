"""Platform staff and merchant users are exclusive (issue 16, finding 3).

The rule is enforced by `merchants.services.ensure_may_join_merchant` (API, portal, admin)
and core's role guards; these triggers make the database refuse any write that would break
it, whatever the path (a staff role or flag on a merchant user, a membership for staff).
Rows that already break it are reported, not changed: someone has to decide which side goes.
"""

from django.db import migrations

STAFF_ROLES = (
    "'merchant_management', 'quality_management', 'consumer_service', 'data_analysis', "
    "'quality_manager'"
)

FORWARD = f"""
CREATE OR REPLACE FUNCTION merchants_user_is_platform_staff(uid bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM core_user u
                   WHERE u.id = uid AND (u.is_staff OR u.is_superuser))
        OR EXISTS (SELECT 1 FROM core_user_groups ug JOIN auth_group g ON g.id = ug.group_id
                   WHERE ug.user_id = uid AND g.name IN ({STAFF_ROLES}))
$$;

CREATE OR REPLACE FUNCTION merchants_membership_not_staff() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF merchants_user_is_platform_staff(NEW.user_id) THEN
        RAISE EXCEPTION 'platform staff cannot belong to a merchant (user %)', NEW.user_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER merchants_membership_not_staff
    BEFORE INSERT OR UPDATE OF user_id ON merchants_membership
    FOR EACH ROW EXECUTE FUNCTION merchants_membership_not_staff();

CREATE OR REPLACE FUNCTION merchants_staff_role_not_member() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM auth_group g WHERE g.id = NEW.group_id
               AND g.name IN ({STAFF_ROLES}))
       AND EXISTS (SELECT 1 FROM merchants_membership m WHERE m.user_id = NEW.user_id) THEN
        RAISE EXCEPTION 'a merchant user cannot hold a staff role (user %)', NEW.user_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER merchants_staff_role_not_member
    BEFORE INSERT OR UPDATE ON core_user_groups
    FOR EACH ROW EXECUTE FUNCTION merchants_staff_role_not_member();

CREATE OR REPLACE FUNCTION merchants_staff_flag_not_member() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.is_staff OR NEW.is_superuser)
       AND EXISTS (SELECT 1 FROM merchants_membership m WHERE m.user_id = NEW.id) THEN
        RAISE EXCEPTION 'a merchant user cannot be platform staff (user %)', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER merchants_staff_flag_not_member
    BEFORE UPDATE OF is_staff, is_superuser ON core_user
    FOR EACH ROW EXECUTE FUNCTION merchants_staff_flag_not_member();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS merchants_staff_flag_not_member ON core_user;
DROP TRIGGER IF EXISTS merchants_staff_role_not_member ON core_user_groups;
DROP TRIGGER IF EXISTS merchants_membership_not_staff ON merchants_membership;
DROP FUNCTION IF EXISTS merchants_staff_flag_not_member();
DROP FUNCTION IF EXISTS merchants_staff_role_not_member();
DROP FUNCTION IF EXISTS merchants_membership_not_staff();
DROP FUNCTION IF EXISTS merchants_user_is_platform_staff(bigint);
"""


def report_conflicts(apps, schema_editor):
    """Print every account that is both platform staff and a merchant user today."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """SELECT u.username, m.role, mm.legal_name
                 FROM merchants_membership m
                 JOIN core_user u ON u.id = m.user_id
                 JOIN merchants_merchant mm ON mm.id = m.merchant_id
                WHERE merchants_user_is_platform_staff(m.user_id)
                ORDER BY u.username"""
        )
        rows = cursor.fetchall()
    if rows:
        print(
            f"\n  {len(rows)} account(s) are both platform staff and merchant users; "
            "remove one side in the admin:"
        )
        for username, role, merchant in rows:
            print(f"    {username}: {role} of {merchant}")


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0004_legal_name_single_line"),
        ("core", "0004_alert_delivery_failures"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunPython(report_conflicts, migrations.RunPython.noop),
    ]
