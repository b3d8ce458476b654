// The Java recipe: plain HttpsURLConnection on the hard-coded WeCom host, unchanged; the JVM's system properties
// (-Dhttps.proxyHost/-Dhttps.proxyPort, -Djavax.net.ssl.trustStore) send it through the mock and make it trust the
// mock's CA. Prints the answer's body. Run as a single source file: java Gettoken.java CORPID SECRET.
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.HttpsURLConnection;

public class Gettoken {
    public static void main(String[] args) throws Exception {
        var url = URI.create("https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=" + args[0] + "&corpsecret=" + args[1]).toURL();
        var conn = (HttpsURLConnection) url.openConnection();
        try (InputStream in = conn.getInputStream()) {
            System.out.println(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
