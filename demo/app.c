/*
 * The demo container's program: an "app" that reads its config, looks for a
 * key file that is not there, fails to reach its database, logs that, and
 * then crashes on a NULL pointer. Built static so it runs in a busybox rootfs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct config {
	char db[64];
	int port;
};

static void load_config(struct config *c)
{
	char line[128];
	FILE *f = fopen("/etc/app.conf", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "db = %63s port = %d", c->db, &c->port) == 2)
			break;
	fclose(f);
}

int main(void)
{
	struct config c = { "10.0.0.7", 5432 };
	struct config *fallback = NULL;
	struct sockaddr_in db = { .sin_family = AF_INET };
	int key, s;

	load_config(&c);
	key = open("/etc/app/secret.key", O_RDONLY | O_CLOEXEC);
	if (key < 0)
		fprintf(stderr, "app: no key file (%s), using defaults\n", strerror(errno));

	db.sin_port = htons(c.port);
	inet_pton(AF_INET, c.db, &db.sin_addr);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(s, (struct sockaddr *)&db, sizeof(db)) < 0) {
		fprintf(stderr, "app: database %s:%d: %s\n", c.db, c.port, strerror(errno));
		/* The bug: the fallback config was never loaded. */
		c.port = fallback->port;
	}
	printf("app: connected\n");
	return 0;
}
